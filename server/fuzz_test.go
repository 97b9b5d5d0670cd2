package server_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"golang.org/x/net/http/httpguts"

	"github.com/graph-linkedin/invitations"
)

// No request body, however malformed, gets a 5xx; every refusal is a Graph
// error that names what is wrong; and the spec-checking transport checks
// every answer against openapi.yaml.
func FuzzCreateInvitation(f *testing.F) {
	for _, seed := range []string{
		`{"invitee": "urn:li:person:Qm9i"}`,
		`{"inviter": "urn:li:person:A1iceX9", "invitee": "urn:li:email:a@b.co", "message": {"invitationMessage": {"body": "hi"}}}`,
		`{"invitee": "urn:li:person:Qm9i", "message": {"@odata.type": "#microsoft.graph.InvitationV2Message", "invitationTemplateID": "t"}}`,
		`{"invitee": "urn:li:person:Qm9i", "created": 1e400}`,
		`{"invitee": "urn:li:person:Qm9i", "created": -1, "id": {}}`,
		`{"invitee": ["urn:li:person:Qm9i"]}`,
		`{"invitee": "urn:li:person:Qm9i", "message": {"invitationMessage": null}}`,
		`{"invitee": "urn:li:person:Qm9i", "trackingId": "\u0000"}`,
		`{"invitee": "urn:li:person:Qm9i", "invitee": "urn:li:person:Other"}`,
		`{"__proto__": {}, "invitee": "urn:li:person:Qm9i"}`,
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
		`"just a string"`, `null`, `0`, `{`, ``, "\xef\xbb\xbf{\"invitee\": \"urn:li:person:Qm9i\"}",
	} {
		f.Add([]byte(seed))
	}
	e := newEnv(f)
	token := delegated(f, tenantA, alice, invitations.PermReadWrite)
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := http.NewRequest(http.MethodPost, e.url+"/linkedIn/invitations", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := e.transport.Check(req, res.StatusCode, res.Header, got); err != nil {
			t.Errorf("POST %q -> %d breaks openapi.yaml: %v\n%s", body, res.StatusCode, err, got)
		}
		switch res.StatusCode {
		case http.StatusCreated, http.StatusBadRequest, http.StatusConflict:
		default:
			t.Errorf("POST %q = %d; want 201, 400 or 409", body, res.StatusCode)
		}
	})
}

// FuzzRequest sends arbitrary requests (method, path, query, a header, a
// body, with or without a valid token) into the real handler: never a 5xx
// or a panic, a Graph error body on every 4xx, and every answer to a
// declared operation within openapi.yaml.
func FuzzRequest(f *testing.F) {
	type seed struct {
		method, path, query, header, value, contentType, body string
		token                                                 uint8
	}
	id := "3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60"
	for _, s := range []seed{
		{"POST", "/v1.0/linkedIn/invitations", "", "client-request-id", "abc", "application/json", `{"invitee": "urn:li:person:Qm9i"}`, 1},
		{"POST", "/v1.0/linkedIn/invitations", "", "Idempotency-Key", "k-1", "application/json", `{"invitee": "urn:li:person:Qm9i"}`, 1},
		{"POST", "/v1.0/linkedIn/invitations", "", "Idempotency-Key", "k-1", "application/json", `{"invitee": "urn:li:person:Other"}`, 1},
		{"POST", "/v1.0/linkedIn/invitations", "", "Idempotency-Key", "clé", "application/json", `{"invitee": "urn:li:person:Qm9i"}`, 1},
		{"GET", "/v1.0/linkedIn/invitations", "$filter=inviter%20eq%20'urn:li:person:a'&$top=5&$count=true", "", "", "", "", 2},
		{"GET", "/v1.0/linkedIn/invitations", "$orderby=lastModified%20desc&$select=id,invitee&$skiptoken=AQID", "", "", "", "", 1},
		{"GET", "/v1.0/linkedIn/invitations/" + id, "", "If-Match", `"1"`, "", "", 1},
		{"PATCH", "/v1.0/linkedIn/invitations/" + id, "", "If-Match", "*", "application/json", `{"trackingId": null}`, 1},
		{"DELETE", "/v1.0/linkedIn/invitations/" + id, "", "If-Match", `W/"2"`, "", "", 1},
		{"PUT", "/v1.0/linkedIn/invitations/%zz", "", "Content-Length", "-1", "text/plain", "x", 0},
		{"GET", "/healthz", "", "", "", "", "", 0},
		{"GET", "/readyz", "a=b", "", "", "", "", 0},
		{"OPTIONS", "/v1.0/linkedIn/invitations", "", "Origin", "http://evil.example", "", "", 1},
		{"GET", "/v1.0/linkedIn/invitations", "access_token=x", "Authorization", "Bearer a b", "", "", 0},
		{"POST", "/v1.0/linkedIn/invitations", "", "Content-Type", "application/json; charset=\"", "", `{}`, 1},
		{"GET", "/../../etc/passwd", "", "", "", "", "", 0},
		{"GET", "/v1.0//linkedIn//invitations", "$top=0", "", "", "", "", 2},
	} {
		f.Add(s.method, s.path, s.query, s.header, s.value, s.contentType, []byte(s.body), s.token)
	}
	e := newEnv(f)
	tokens := []string{"", delegated(f, tenantA, alice, invitations.PermReadWrite), application(f, tenantA, invitations.PermReadAll)}
	h := e.handler
	f.Fuzz(func(t *testing.T, method, path, query, name, value, contentType string, body []byte, token uint8) {
		if method == "" || !validToken(method) {
			method = "GET" // net/http would refuse it before any handler
		}
		req := httptest.NewRequest("GET", "/", bytes.NewReader(body))
		req.Method = method
		req.URL = &url.URL{Path: path, RawQuery: query}
		req.RequestURI = req.URL.RequestURI()
		if httpguts.ValidHeaderFieldName(name) && httpguts.ValidHeaderFieldValue(value) {
			req.Header.Set(name, value)
		}
		if contentType != "" && httpguts.ValidHeaderFieldValue(contentType) {
			req.Header.Set("Content-Type", contentType)
		}
		if tok := tokens[int(token)%len(tokens)]; tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		res := rec.Result()
		got, _ := io.ReadAll(res.Body)
		if res.StatusCode >= 500 {
			t.Fatalf("%s %s?%s -> %d: %s", method, path, query, res.StatusCode, got)
		}
		if res.StatusCode >= 400 && method != http.MethodHead {
			if err := e.transport.CheckError(got); err != nil {
				t.Errorf("%s %s?%s -> %d without a Graph error body: %v\n%s", method, path, query, res.StatusCode, err, got)
			}
		}
	})
}

// validToken reports whether s is an HTTP token, as a method must be.
func validToken(s string) bool {
	for _, r := range s {
		if !httpguts.IsTokenRune(r) {
			return false
		}
	}
	return true
}
