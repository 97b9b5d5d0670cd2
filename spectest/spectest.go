// Package spectest makes openapi.yaml the oracle of the tests: its Transport
// checks every response a test receives against the spec (status, headers,
// body), so a handler cannot drift from the contract unnoticed.
package spectest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Load reads and validates the module's openapi.yaml, found by walking up
// from the working directory.
func Load(tb testing.TB) *openapi3.T {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		path := filepath.Join(dir, "openapi.yaml")
		if _, err := os.Stat(path); err == nil {
			doc, err := openapi3.NewLoader().LoadFromFile(path)
			if err != nil {
				tb.Fatalf("load %s: %v", path, err)
			}
			if err := doc.Validate(context.Background()); err != nil {
				tb.Fatalf("%s is not a valid OpenAPI document: %v", path, err)
			}
			return doc
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("no openapi.yaml above the working directory")
		}
		dir = parent
	}
}

// Transport is an http.RoundTripper that checks each response against the
// spec and reports violations as test errors.
type Transport struct {
	tb     testing.TB
	base   http.RoundTripper
	doc    *openapi3.T
	router routers.Router
}

// NewTransport returns a Transport over base (http.DefaultTransport if nil).
func NewTransport(tb testing.TB, base http.RoundTripper) *Transport {
	tb.Helper()
	if base == nil {
		base = http.DefaultTransport
	}
	doc := Load(tb)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		tb.Fatal(err)
	}
	return &Transport{tb: tb, base: base, doc: doc, router: router}
}

// Client returns an *http.Client that uses the Transport.
func (t *Transport) Client() *http.Client { return &http.Client{Transport: t} }

// RoundTrip sends req and checks the response.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	if err := t.Check(req, res.StatusCode, res.Header, body); err != nil {
		t.tb.Errorf("%s %s -> %d: %v\nbody: %s", req.Method, req.URL.Path, res.StatusCode, err, body)
	}
	return res, nil
}

// Check reports how a response to req breaks the spec, or nil. Besides
// what the operation declares, every answer must have a request-id, say
// whether caches may keep it (Cache-Control), and forbid browsers to sniff
// its type.
func (t *Transport) Check(req *http.Request, status int, header http.Header, body []byte) error {
	switch {
	case header.Get("request-id") == "":
		return fmt.Errorf("no request-id header")
	case header.Get("Cache-Control") == "":
		return fmt.Errorf("no Cache-Control header")
	case header.Get("X-Content-Type-Options") != "nosniff":
		return fmt.Errorf("X-Content-Type-Options is %q, not nosniff", header.Get("X-Content-Type-Options"))
	}
	route, params, err := t.router.FindRoute(req)
	if err != nil {
		// No operation (an unknown path or method): it must still be a
		// Graph error.
		if status < 400 {
			return fmt.Errorf("status %d for a request the spec has no operation for", status)
		}
		return t.CheckError(body)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	return openapi3filter.ValidateResponse(context.Background(), in)
}

// CheckError reports how body fails to be a Graph error (ODataError).
func (t *Transport) CheckError(body []byte) error {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("error body is not JSON: %v", err)
	}
	schema := t.doc.Components.Schemas["ODataError"].Value
	return schema.VisitJSON(v, openapi3.VisitAsResponse())
}

// CheckSchema reports how body fails to be the JSON the named schema of
// doc's components describes (as a response: read-only properties
// allowed), such as a notification body sent to a subscriber.
func CheckSchema(doc *openapi3.T, name string, body []byte) error {
	ref := doc.Components.Schemas[name]
	if ref == nil {
		return fmt.Errorf("openapi.yaml has no schema %s", name)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("%s: not JSON: %v", name, err)
	}
	return ref.Value.VisitJSON(v, openapi3.VisitAsResponse())
}
