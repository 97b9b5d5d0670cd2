package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/client/raw"
	"github.com/graph-linkedin/invitations/server"
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
		case http.StatusForbidden: // a delegated caller naming another inviter
			var inv struct{ Inviter string }
			if json.Unmarshal(body, &inv) != nil || inv.Inviter == "" || inv.Inviter == alice {
				t.Errorf("POST %q = 403; only another inviter is forbidden to this caller", body)
			}
		default:
			t.Errorf("POST %q = %d; want 201, 400, 403 (another inviter) or 409", body, res.StatusCode)
		}
	})
}

// FuzzRequest sends arbitrary requests into the real handler (over a real
// SQLite store): any method, request target (path and query), header
// fields and body, with or without a valid token. Whatever comes, never a
// 5xx or a panic, every 4xx carries a Graph error body, a query string
// that does not parse is a 400, and every answer says how caches and
// browsers may treat it.
//
// The request is what net/http would hand the handler: a target it could
// parse, header fields it would accept, Host and Transfer-Encoding moved out
// of the header, and the body's length known unless it is chunked.
func FuzzRequest(f *testing.F) {
	e := newEnv(f, func(o *server.Options) { o.Handshaker = acceptingHandshaker{} })
	tokens := []string{"", delegated(f, tenantA, alice, invitations.PermReadWrite), application(f, tenantA, invitations.PermReadAll)}
	created := e.create(tokens[1], raw.InvitationV2Create{Invitee: bob})
	if created.JSON201 == nil {
		f.Fatalf("create: %d %s", created.StatusCode(), created.Body)
	}
	id, missing := *created.JSON201.ID, "3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60"
	expires := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	subscription := `{"changeType": "created,updated", "notificationUrl": "https://receiver.example/n", ` +
		`"resource": "linkedIn/invitations", "expirationDateTime": "` + expires + `", "clientState": "s"}`
	sub := e.subscribe(tokens[2], raw.SubscriptionCreate{ChangeType: "deleted", NotificationURL: "https://receiver.example/n",
		Resource: raw.SubscriptionCreateResource(invitations.SubscriptionResource), ExpirationDateTime: time.Now().Add(time.Hour)})
	if sub.JSON201 == nil {
		f.Fatalf("subscribe: %d %s", sub.StatusCode(), sub.Body)
	}
	subID := sub.JSON201.ID
	const json = "Content-Type: application/json\n"
	type seed struct {
		method, target, header, body string
		token                        uint8
	}
	for _, s := range []seed{
		{"POST", "/v1.0/linkedIn/invitations", json + "client-request-id: abc", `{"invitee": "urn:li:person:Qm9i"}`, 1},
		{"POST", "/v1.0/linkedIn/invitations", json + "Idempotency-Key: k-1", `{"invitee": "urn:li:person:Qm9i"}`, 1},
		{"POST", "/v1.0/linkedIn/invitations", json + "Idempotency-Key: k-1", `{"invitee": "urn:li:person:Other"}`, 1},
		{"POST", "/v1.0/linkedIn/invitations", json + "Idempotency-Key: clé\nIdempotency-Key: k-2", `{"invitee": "urn:li:person:Qm9i"}`, 1},
		{"POST", "/v1.0/linkedIn/invitations", json + "Transfer-Encoding: chunked", `{"invitee": "urn:li:person:Q2h1bmtlZA"}`, 1},
		{"POST", "/v1.0/linkedIn/invitations", "Content-Type: application/json; charset=\"", `{}`, 1},
		{"POST", "/v1.0/linkedIn/invitations", "Content-Type: text/plain\nContent-Type: application/json", `{}`, 1},
		{"POST", "/v1.0/linkedIn/invitations", json + "Content-Length: 3", `{"invitee": "urn:li:person:Qm9i"} trailing`, 1},
		{"GET", "/v1.0/linkedIn/invitations?$filter=inviter%20eq%20'urn:li:person:a'&$top=5&$count=true", "", "", 2},
		{"GET", "/v1.0/linkedIn/invitations?$orderby=lastModified%20desc&$select=id,invitee&$skiptoken=AQID", "", "", 1},
		{"GET", "/v1.0/linkedIn/invitations?$top=1&$top=2", "", "", 1},
		{"GET", "/v1.0/linkedIn/invitations/" + id, "If-Match: \"1\"\nIf-None-Match: *", "", 1},
		{"GET", "/v1.0/linkedIn/invitations/" + id + "?$select=message", "Accept: application/xml", "", 2},
		{"PATCH", "/v1.0/linkedIn/invitations/" + id, json + "If-Match: *", `{"trackingId": null}`, 1},
		{"PATCH", "/v1.0/linkedIn/invitations/" + id, json + "If-Match: \"1\", \"2\"", `{"message": {"invitationMessage": {"body": "x"}}}`, 1},
		{"DELETE", "/v1.0/linkedIn/invitations/" + missing, "If-Match: W/\"2\"", "", 1},
		{"POST", "/v1.0/linkedIn/invitations/inviteeClosingInvitation", json, `{"action": "accept", "invitationIds": ["` + id + `", "` + missing + `"]}`, 1},
		{"POST", "/v1.0/linkedIn/invitations/inviteeClosingInvitation", json + "Idempotency-Key: c-1", `{"action": "ignore", "invitationIds": ["` + id + `", "` + id + `"]}`, 1},
		{"GET", "/v1.0/linkedIn/invitations/inviteeClosingInvitation", "", "", 1},
		{"GET", "/v1.0/linkedIn/invitations?$filter=state%20eq%20'pending'%20and%20closed%20eq%20null&$select=state,closed", "", "", 2},
		{"PUT", "/v1.0/linkedIn/invitations/%zz", "Content-Type: text/plain", "x", 0},
		{"GET", "/v1.0/linkedIn/invitations/a%2Fb", "", "", 1},
		{"HEAD", "/v1.0/linkedIn/invitations/" + id, "", "", 1},
		{"GET", "/healthz", "", "", 0},
		{"GET", "/readyz?a=b", "", "", 0},
		{"OPTIONS", "/v1.0/linkedIn/invitations", "Origin: http://evil.example\nAccess-Control-Request-Method: DELETE", "", 1},
		{"GET", "/v1.0/linkedIn/invitations?access_token=x", "Authorization: Bearer a b", "", 0},
		{"GET", "/v1.0/linkedIn/invitations", "Authorization: Bearer x\nAuthorization: Bearer y", "", 0},
		{"GET", "/v1.0/linkedIn/invitations", "Authorization: Basic YTpi", "", 0},
		{"GET", "/v1.0/linkedIn/invitations", "Host: evil.example\nX-Forwarded-Proto: https", "", 1},
		{"GET", "/../../etc/passwd", "", "", 0},
		{"GET", "/v1.0//linkedIn//invitations?$top=0", "", "", 2},
		{"GET", "*", "", "", 0},
		{"GET", "http://other.example/v1.0/linkedIn/invitations", "", "", 1},
		// Query strings Go's parser rejects: a raw ';', a bad '%' escape.
		{"GET", "/v1.0/linkedIn/invitations?$filter=trackingId%20eq%20'a;b'", "", "", 2},
		{"GET", "/v1.0/linkedIn/invitations?$filter=%zz", "", "", 2},
		{"GET", "/v1.0/linkedIn/invitations?$top=0;", "", "", 1},
		{"GET", "/v1.0/linkedIn/invitations?$count=true&$expand=message;", "", "", 2},
		{"POST", "/v1.0/linkedIn/invitations?%zz=1", json, `{"invitee": "urn:li:person:Qm9i"}`, 0},
		{"DELETE", "/v1.0/linkedIn/invitations/" + id + "?a=1;b=2", "", "", 1},
		{"GET", "/healthz?;", "", "", 0},
		{"GET", "/v1.0/linkedIn/invitations?$orderby=", "", "", 2},
		{"HEAD", "/v1.0/linkedIn/invitations?$top=1&$count=true", "", "", 2},
		// Subscriptions.
		{"POST", "/v1.0/subscriptions", json, subscription, 1},
		{"POST", "/v1.0/subscriptions", json, strings.Replace(subscription, "created,updated", "created,moved,created", 1), 2},
		{"POST", "/v1.0/subscriptions", json, `{"changeType": "created", "notificationUrl": "javascript:alert(1)", "resource": "me/messages"}`, 1},
		{"GET", "/v1.0/subscriptions", "", "", 2},
		{"HEAD", "/v1.0/subscriptions/" + subID, "", "", 2},
		{"GET", "/v1.0/subscriptions/" + subID + "?$select=id", "", "", 2},
		{"PATCH", "/v1.0/subscriptions/" + subID, json, `{"expirationDateTime": "` + expires + `"}`, 2},
		{"PATCH", "/v1.0/subscriptions/" + subID, json, `{"expirationDateTime": "9999-12-31T23:59:59Z", "clientState": "x"}`, 1},
		{"DELETE", "/v1.0/subscriptions/" + missing, "", "", 2},
	} {
		f.Add(s.method, s.target, s.header, []byte(s.body), s.token)
	}
	h := e.handler
	f.Fuzz(func(t *testing.T, method, target, header string, body []byte, token uint8) {
		if method == "" || !validToken(method) {
			method = "GET" // net/http would refuse it before any handler
		}
		u, err := url.ParseRequestURI(target)
		if err != nil {
			return // net/http answers 400 itself
		}
		req := httptest.NewRequest("GET", "/", bytes.NewReader(body))
		req.Method, req.URL, req.RequestURI = method, u, target
		if u.Host != "" {
			req.Host = u.Host
		}
		for line := range strings.Lines(header) {
			name, value, ok := strings.Cut(strings.TrimRight(line, "\r\n"), ":")
			value = strings.Trim(value, " \t")
			if !ok || !httpguts.ValidHeaderFieldName(name) || !httpguts.ValidHeaderFieldValue(value) {
				continue // net/http answers 400 itself
			}
			switch http.CanonicalHeaderKey(name) {
			case "Host":
				req.Host = value
			case "Transfer-Encoding":
				req.TransferEncoding, req.ContentLength = []string{"chunked"}, -1
			case "Content-Length":
				// The body's length is len(body): net/http frames it.
			default:
				req.Header.Add(name, value)
			}
		}
		if tok := tokens[int(token)%len(tokens)]; tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		res := rec.Result()
		got, _ := io.ReadAll(res.Body)
		if res.StatusCode >= 500 {
			t.Fatalf("%s %s\n%s\n-> %d: %s", method, target, header, res.StatusCode, got)
		}
		if _, err := url.ParseQuery(u.RawQuery); err != nil &&
			res.StatusCode != http.StatusBadRequest && res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("%s %s\n%s\n-> %d; want 400 for a query string that does not parse (%v)", method, target, header, res.StatusCode, err)
		}
		if res.Header.Get("Cache-Control") == "" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s\n%s\n-> %d with Cache-Control %q, X-Content-Type-Options %q; want both", method, target, header,
				res.StatusCode, res.Header.Get("Cache-Control"), res.Header.Get("X-Content-Type-Options"))
		}
		if res.StatusCode >= 400 && method != http.MethodHead {
			if err := e.transport.CheckError(got); err != nil {
				t.Errorf("%s %s\n%s\n-> %d without a Graph error body: %v\n%s", method, target, header, res.StatusCode, err, got)
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

// acceptingHandshaker passes every subscriber's URL without a word to it,
// so that fuzzed subscriptions are created and renewed without the network.
type acceptingHandshaker struct{}

func (acceptingHandshaker) Handshake(context.Context, string, string) error { return nil }
