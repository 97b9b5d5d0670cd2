package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/server"
)

// No cache may keep an answer that is one caller's own (or, for the
// probes, about this moment), successes and errors alike; the contract and
// its reference, the same for everyone, may be kept if checked again; and
// no browser may sniff any answer's type. (The spec-checking transport
// checks the two header fields are on every answer of every test.)
func TestCacheHeaders(t *testing.T) {
	e := newEnv(t, func(o *server.Options) { o.Throttle = server.Throttle{Rate: 0.01, Burst: 20} })
	root := strings.TrimSuffix(e.url, "/v1.0")
	alices := delegated(t, tenantA, alice, invitations.PermReadWrite)
	app := application(t, tenantA, invitations.PermReadWriteAll)
	inv := e.mustCreate(tenantA, alice, bob)
	list, item := e.url+"/linkedIn/invitations", e.url+"/linkedIn/invitations/"+*inv.ID
	missing := e.url + "/linkedIn/invitations/3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60"
	throttled := delegated(t, tenantA, "urn:li:person:Thr0ttled", invitations.PermRead)
	for range 20 {
		e.doAs(throttled, http.MethodGet, list, "")
	}

	for _, tt := range []struct {
		name, token, method, url, body string
		status                         int
		cache                          string
	}{
		{"a create", alices, http.MethodPost, list, `{"invitee": "urn:li:person:Qm9i"}`, 201, "no-store"},
		{"a throttled caller", throttled, http.MethodGet, list, "", 429, "no-store"},
		{"a list", app, http.MethodGet, list, "", 200, "no-store"},
		{"a HEAD of a list", app, http.MethodHead, list, "", 200, "no-store"},
		{"an invitation", app, http.MethodGet, item, "", 200, "no-store"},
		{"a HEAD of an invitation", app, http.MethodHead, item, "", 200, "no-store"},
		{"an update", app, http.MethodPatch, item, `{"trackingId": "t"}`, 200, "no-store"},
		{"a missing invitation", app, http.MethodGet, missing, "", 404, "no-store"},
		{"a bad option", app, http.MethodGet, list + "?$top=0", "", 400, "no-store"},
		{"no token", "", http.MethodGet, item, "", 401, "no-store"},
		{"a delete", app, http.MethodDelete, item, "", 204, "no-store"},
		{"the liveness probe", "", http.MethodGet, root + "/healthz", "", 200, "no-store"},
		{"the readiness probe", "", http.MethodGet, root + "/readyz", "", 200, "no-store"},
		{"a probe's bad option", "", http.MethodGet, root + "/healthz?verbose=1", "", 400, "no-store"},
		{"the contract", "", http.MethodGet, root + "/openapi.yaml", "", 200, "no-cache"},
		{"the contract as JSON", "", http.MethodGet, root + "/openapi.json", "", 200, "no-cache"},
		{"no route", "", http.MethodGet, root + "/nothing", "", 404, "no-store"},
		{"no method", "", http.MethodPut, list, "", 405, "no-store"},
	} {
		res, body := e.doAs(tt.token, tt.method, tt.url, tt.body)
		if res.StatusCode != tt.status {
			t.Errorf("%s: %s %s = %d; want %d (%s)", tt.name, tt.method, tt.url, res.StatusCode, tt.status, body)
			continue
		}
		if got := res.Header.Get("Cache-Control"); got != tt.cache {
			t.Errorf("%s: Cache-Control = %q; want %q", tt.name, got, tt.cache)
		}
		if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options = %q; want nosniff", tt.name, got)
		}
	}

	// The reference at /docs is outside the contract (the transport would
	// want its 404s to be Graph errors with no operation to check against),
	// so it is fetched directly.
	for _, tt := range []struct {
		path   string
		status int
		cache  string
	}{
		{"/docs", 200, "no-cache"},
		{"/docs/swagger-ui/swagger-ui.css", 200, "no-cache"},
		{"/docs/nothing.js", 404, "no-store"},
	} {
		res, err := http.Get(root + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tt.status || res.Header.Get("Cache-Control") != tt.cache || res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s = %d, Cache-Control %q, X-Content-Type-Options %q; want %d, %q, nosniff", tt.path, res.StatusCode,
				res.Header.Get("Cache-Control"), res.Header.Get("X-Content-Type-Options"), tt.status, tt.cache)
		}
	}
}
