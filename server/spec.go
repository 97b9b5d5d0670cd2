package server

import (
	"bytes"
	"context"
	"net/http"
	"strconv"

	"github.com/graph-linkedin/invitations/gen"
)

// contract is openapi.yaml as the service serves it: as written, and as
// JSON (written by go generate, see gen/generate.go).
type contract struct {
	yaml, json []byte
}

func newContract() contract {
	return contract{yaml: gen.SpecYAML(), json: gen.SpecJSON()}
}

// publicCache is the Cache-Control of the contract and the reference at
// /docs: unlike every other answer they are the same for every caller, so
// a cache may keep them, but they change with each release, so it must
// check them again before each use.
const publicCache = "no-cache"

// GetOpenAPIYAML is GET /openapi.yaml.
func (h *handler) GetOpenAPIYAML(context.Context, gen.GetOpenAPIYAMLRequestObject) (gen.GetOpenAPIYAMLResponseObject, error) {
	return gen.GetOpenAPIYAML200ApplicationYamlResponse{
		Body:          bytes.NewReader(h.contract.yaml),
		ContentLength: int64(len(h.contract.yaml)),
		Headers:       gen.GetOpenAPIYAML200ResponseHeaders{CacheControl: ptr(publicCache)},
	}, nil
}

// GetOpenAPIJSON is GET /openapi.json.
func (h *handler) GetOpenAPIJSON(context.Context, gen.GetOpenAPIJSONRequestObject) (gen.GetOpenAPIJSONResponseObject, error) {
	return rawJSON(h.contract.json), nil
}

// rawJSON is a 200 whose JSON body is written as it is: the generated
// response would decode the document into a struct and encode it again on
// every request.
type rawJSON []byte

func (r rawJSON) VisitGetOpenAPIJSONResponse(w http.ResponseWriter) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(r)))
	w.Header().Set("Cache-Control", publicCache)
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(r)
	return err
}
