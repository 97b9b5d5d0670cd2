//go:build go1.27 && goexperiment.jsonv2

package server

// decodesAsValidator: see body_jsonv1.go.
const decodesAsValidator = false
