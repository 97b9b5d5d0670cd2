//go:build !go1.27 || !goexperiment.jsonv2

package server

// decodesAsValidator reports whether jsonBody decodes a body as
// kin-openapi's JSON body decoder does: with encoding/json's v1, which takes
// a repeated member name (the last one wins). Under Go 1.27's json v2
// experiment, kin-openapi refuses a repeated name, and ValidateRequestBody
// does the decoding.
const decodesAsValidator = true
