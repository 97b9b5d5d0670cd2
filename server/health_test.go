package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/graph-linkedin/invitations/client/raw"
)

// do sends a bare request through the spec-checking transport.
func (e *env) do(method, url, body string) (*http.Response, string) {
	e.t.Helper()
	return e.doAs("", method, url, body)
}

// doAs sends a request with token (none for "") and, with a body, the
// Content-Type application/json, through the spec-checking transport.
func (e *env) doAs(token, method, url, body string, edit ...func(*http.Request)) (*http.Response, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, f := range edit {
		f(req)
	}
	res, err := e.transport.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return res, string(b)
}

func TestProbes(t *testing.T) {
	e := newEnv(t)
	root := strings.TrimSuffix(e.url, "/v1.0")
	for _, path := range []string{"/healthz", "/readyz"} {
		res, body := e.do(http.MethodGet, root+path, "")
		if res.StatusCode != http.StatusOK || body != "{\"status\":\"ok\"}\n" {
			t.Errorf("GET %s = %d %q; want 200 {\"status\":\"ok\"}", path, res.StatusCode, body)
		}
	}
	// An option they do not take is a 400, as on every operation.
	if res, _ := e.do(http.MethodGet, root+"/healthz?verbose=true", ""); res.StatusCode != http.StatusBadRequest {
		t.Errorf("GET /healthz?verbose=true = %d; want 400", res.StatusCode)
	}
	// The probes live at the root, not under the API's base path.
	if res, _ := e.do(http.MethodGet, e.url+"/healthz", ""); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /v1.0/healthz = %d; want 404", res.StatusCode)
	}

	// With the database gone, the service is alive but not ready.
	e.store.Close()
	if res, _ := e.do(http.MethodGet, root+"/healthz", ""); res.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz with the database closed = %d; want 200", res.StatusCode)
	}
	res, body := e.do(http.MethodGet, root+"/readyz", "")
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
		t.Errorf("GET /readyz with the database closed = %d (Retry-After %q); want 503 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"))
	}
	if got := errorOf(t, []byte(body)).Code; got != raw.ErrorCodeServiceNotAvailable {
		t.Errorf("code = %q; want serviceNotAvailable", got)
	}
}

// A create while the database is unavailable is a 503 with Retry-After,
// never a 500.
func TestCreateInvitationDatabaseUnavailable(t *testing.T) {
	e := newEnv(t)
	e.store.Close()
	res := e.create(delegated(t, tenantA, alice, "Invitations.ReadWrite"), raw.InvitationV2Create{Invitee: "urn:li:person:Qm9i"})
	if res.StatusCode() != http.StatusServiceUnavailable {
		t.Fatalf("status = %d; want 503; body %s", res.StatusCode(), res.Body)
	}
	if res.HTTPResponse.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After header")
	}
	if got := errorOf(t, res.Body); got.Code != raw.ErrorCodeServiceNotAvailable || strings.Contains(got.Message, "sql") {
		t.Errorf("error = %q %q; want serviceNotAvailable without the driver's words", got.Code, got.Message)
	}
}

func TestUnknownRoutes(t *testing.T) {
	e := newEnv(t)
	root := strings.TrimSuffix(e.url, "/v1.0")
	tests := []struct {
		method, url string
		status      int
		code        raw.ErrorCode
	}{
		{http.MethodGet, e.url + "/linkedIn/nothing", 404, raw.ErrorCodeItemNotFound},
		{http.MethodGet, root + "/", 404, raw.ErrorCodeItemNotFound},
		{http.MethodPut, e.url + "/linkedIn/invitations", 405, raw.ErrorCodeMethodNotAllowed},
		{http.MethodPost, root + "/healthz", 405, raw.ErrorCodeMethodNotAllowed},
	}
	for _, tt := range tests {
		res, body := e.do(tt.method, tt.url, "")
		if res.StatusCode != tt.status {
			t.Errorf("%s %s = %d; want %d", tt.method, tt.url, res.StatusCode, tt.status)
			continue
		}
		if got := errorOf(t, []byte(body)).Code; got != tt.code {
			t.Errorf("%s %s: code = %q; want %q", tt.method, tt.url, got, tt.code)
		}
	}
}
