package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/client/raw"
	"github.com/graph-linkedin/invitations/jwtauth"
)

func TestCreateInvitation(t *testing.T) {
	e := newEnv(t)
	token := delegated(t, tenantA, alice, invitations.PermReadWrite)
	before := time.Now().UnixMilli()
	res := e.create(token, raw.InvitationV2Create{
		Invitee: "urn:li:email:ada.lovelace@contoso.com",
		Message: &raw.InvitationV2Message{
			InvitationMessage: &raw.InvitationMessage{Body: ptr("Ada, let's connect.")},
		},
		TrackingID: ptr("track-1"),
	})
	after := time.Now().UnixMilli()
	if res.StatusCode() != http.StatusCreated {
		t.Fatalf("status = %d; want 201; body %s", res.StatusCode(), res.Body)
	}
	got := *res.JSON201
	if _, err := uuid.Parse(*got.ID); err != nil {
		t.Errorf("id = %q; want a UUID", *got.ID)
	}
	if *got.Created < before || *got.Created > after || *got.LastModified != *got.Created {
		t.Errorf("created, lastModified = %d, %d; want equal, within [%d, %d]", *got.Created, *got.LastModified, before, after)
	}
	want := raw.InvitationV2{
		OdataType:    ptr(raw.InvitationV2OdataTypeHashMicrosoftGraphInvitationV2),
		ID:           got.ID,
		Created:      got.Created,
		LastModified: got.LastModified,
		Inviter:      ptr(alice), // a delegated caller's inviter defaults to itself
		Invitee:      ptr("urn:li:email:ada.lovelace@contoso.com"),
		Message: &raw.InvitationV2Message{
			OdataType:         ptr(raw.InvitationV2MessageOdataTypeMicrosoftGraphInvitationV2Message),
			InvitationMessage: &raw.InvitationMessage{Body: ptr("Ada, let's connect.")},
		},
		TrackingID: ptr("track-1"),
		State:      ptr(raw.InvitationV2StatePending),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("created invitation (-want +got):\n%s", diff)
	}
	if loc := res.HTTPResponse.Header.Get("Location"); loc != "/v1.0/linkedIn/invitations/"+*got.ID {
		t.Errorf("Location = %q; want /v1.0/linkedIn/invitations/%s", loc, *got.ID)
	}
	rid := res.HTTPResponse.Header.Get("request-id")
	if _, err := uuid.Parse(rid); err != nil {
		t.Errorf("request-id = %q; want a UUID", rid)
	}
	if crid := res.HTTPResponse.Header.Get("client-request-id"); crid != rid {
		t.Errorf("client-request-id = %q without one sent; want the request-id %q", crid, rid)
	}
}

// The seed page's request example, its placeholders replaced by real values,
// gets the seed's response: the same properties, with id, created and
// lastModified assigned by the service (the sent ones are ignored).
func TestCreateInvitationSeedExample(t *testing.T) {
	e := newEnv(t)
	const request = `{
	  "@odata.type": "#microsoft.graph.InvitationV2",
	  "created": 1600000000000,
	  "lastModified": 1600000000000,
	  "inviter": "urn:li:person:A1iceX9",
	  "invitee": "urn:li:person:Qm9iQnVpbGRz",
	  "message": {
	    "@odata.type": "microsoft.graph.InvitationV2Message"
	  },
	  "trackingId": "wGFHz2GbQrOIzP1r9w8Kxg=="
	}`
	res := e.createRaw(delegated(t, tenantA, alice, invitations.PermReadWrite), "application/json", request)
	if res.StatusCode() != http.StatusCreated {
		t.Fatalf("status = %d; want 201; body %s", res.StatusCode(), res.Body)
	}
	var got map[string]any
	if err := json.Unmarshal(res.Body, &got); err != nil {
		t.Fatal(err)
	}
	id, created := got["id"].(string), got["created"].(float64)
	if created == 1600000000000 || got["lastModified"] != created {
		t.Errorf("created, lastModified = %v, %v; want the service's time, not the sent one", created, got["lastModified"])
	}
	want := map[string]any{
		"@odata.type":  "#microsoft.graph.InvitationV2",
		"id":           id,
		"created":      created,
		"lastModified": created,
		"inviter":      "urn:li:person:A1iceX9",
		"invitee":      "urn:li:person:Qm9iQnVpbGRz",
		"message":      map[string]any{"@odata.type": "microsoft.graph.InvitationV2Message"},
		"trackingId":   "wGFHz2GbQrOIzP1r9w8Kxg==",
		"state":        "pending",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("response (-want +got):\n%s", diff)
	}
}

func TestCreateInvitationAccepts(t *testing.T) {
	e := newEnv(t)
	token := delegated(t, tenantA, alice, invitations.PermReadWrite)
	tests := []struct {
		name string
		body string
	}{
		{"person invitee", `{"invitee": "urn:li:person:Qm9i_Q-nVp"}`},
		{"emailAddress invitee", `{"invitee": "urn:li:emailAddress:6931238781"}`},
		{"phoneAccount invitee", `{"invitee": "urn:li:phoneAccount:41786521"}`},
		{"email invitee", `{"invitee": "urn:li:email:grace.hopper@fabrikam.example"}`},
		{"inviter is the caller", `{"inviter": "urn:li:person:A1iceX9", "invitee": "urn:li:person:C4rol"}`},
		{"message type with #", `{"invitee": "urn:li:person:D4ve", "message": {"@odata.type": "#microsoft.graph.InvitationV2Message"}}`},
		{"object type without #", `{"@odata.type": "microsoft.graph.InvitationV2", "invitee": "urn:li:person:Er1n"}`},
		{"template", `{"invitee": "urn:li:person:F4ye", "message": {"invitationTemplateID": "urn:li:invitationTemplate:12345"}}`},
		{"300-character body", `{"invitee": "urn:li:person:G1na", "message": {"invitationMessage": {"body": "` + strings.Repeat("é", 300) + `"}}}`},
		{"read-only properties ignored", `{"id": "not-mine", "created": 1, "lastModified": 2, "invitee": "urn:li:person:H4l"}`},
		{"charset parameter", `{"invitee": "urn:li:person:I4n"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct := "application/json"
			if tt.name == "charset parameter" {
				ct = "application/json; charset=utf-8"
			}
			res := e.createRaw(token, ct, tt.body)
			if res.StatusCode() != http.StatusCreated {
				t.Fatalf("status = %d; want 201; body %s", res.StatusCode(), res.Body)
			}
			if id := *res.JSON201.ID; id == "not-mine" {
				t.Errorf("id = %q; the sent read-only id was used", id)
			}
			if c := *res.JSON201.Created; c == 1 {
				t.Errorf("created = %d; the sent read-only created was used", c)
			}
		})
	}
}

func TestCreateInvitationByApplication(t *testing.T) {
	e := newEnv(t)
	token := application(t, tenantA, invitations.PermReadWriteAll)
	res := e.create(token, raw.InvitationV2Create{Inviter: ptr(bob), Invitee: "urn:li:person:Qm9i"})
	if res.StatusCode() != http.StatusCreated {
		t.Fatalf("status = %d; want 201; body %s", res.StatusCode(), res.Body)
	}
	if got := *res.JSON201.Inviter; got != bob {
		t.Errorf("inviter = %q; want %q", got, bob)
	}

	res = e.create(token, raw.InvitationV2Create{Invitee: "urn:li:person:Qm9i"})
	if res.StatusCode() != http.StatusBadRequest {
		t.Fatalf("without inviter: status = %d; want 400; body %s", res.StatusCode(), res.Body)
	}
	if got := errorOf(t, res.Body); !strings.Contains(got.Message, "inviter") || deref(got.Target) != "inviter" {
		t.Errorf("error = %q (target %q); want it to name inviter", got.Message, deref(got.Target))
	}
}

func TestCreateInvitationConflict(t *testing.T) {
	e := newEnv(t)
	body := raw.InvitationV2Create{Inviter: ptr(alice), Invitee: "urn:li:person:Qm9i"}
	if res := e.create(delegated(t, tenantA, alice, invitations.PermReadWrite), body); res.StatusCode() != http.StatusCreated {
		t.Fatalf("first: status = %d; want 201; body %s", res.StatusCode(), res.Body)
	}
	res := e.create(application(t, tenantA, invitations.PermReadWriteAll), body)
	if res.StatusCode() != http.StatusConflict {
		t.Fatalf("second, same tenant: status = %d; want 409; body %s", res.StatusCode(), res.Body)
	}
	if got := errorOf(t, res.Body).Code; got != raw.ErrorCodeConflict {
		t.Errorf("code = %q; want conflict", got)
	}
	// The same pair in another tenant is another invitation.
	if res := e.create(delegated(t, tenantB, alice, invitations.PermReadWrite), body); res.StatusCode() != http.StatusCreated {
		t.Fatalf("other tenant: status = %d; want 201; body %s", res.StatusCode(), res.Body)
	}
	// The reverse direction is another pair.
	reverse := raw.InvitationV2Create{Inviter: ptr("urn:li:person:Qm9i"), Invitee: alice}
	if res := e.create(application(t, tenantA, invitations.PermReadWriteAll), reverse); res.StatusCode() != http.StatusCreated {
		t.Fatalf("reverse pair: status = %d; want 201; body %s", res.StatusCode(), res.Body)
	}
}

func TestCreateInvitationRejects(t *testing.T) {
	e := newEnv(t)
	token := delegated(t, tenantA, alice, invitations.PermReadWrite)
	tests := []struct {
		name        string
		contentType string
		body        string
		status      int
		code        raw.ErrorCode
		target      string // the property the message must name
	}{
		{"unknown property", "application/json", `{"invitee": "urn:li:person:Qm9i", "status": "sent"}`, 400, raw.ErrorCodeBadRequest, "status"},
		{"unknown nested property", "application/json", `{"invitee": "urn:li:person:Qm9i", "message": {"subject": "hi"}}`, 400, raw.ErrorCodeBadRequest, "message.subject"},
		{"unknown deep property", "application/json", `{"invitee": "urn:li:person:Qm9i", "message": {"invitationMessage": {"body": "x", "html": "y"}}}`, 400, raw.ErrorCodeBadRequest, "message.invitationMessage.html"},
		{"missing invitee", "application/json", `{"inviter": "urn:li:person:A1iceX9"}`, 400, raw.ErrorCodeBadRequest, "invitee"},
		{"invitee not a URN", "application/json", `{"invitee": "ada@contoso.com"}`, 400, raw.ErrorCodeBadRequest, "invitee"},
		{"invitee of another kind", "application/json", `{"invitee": "urn:li:organization:1337"}`, 400, raw.ErrorCodeBadRequest, "invitee"},
		{"inviter not a person", "application/json", `{"inviter": "urn:li:email:a@b.co", "invitee": "urn:li:person:Qm9i"}`, 400, raw.ErrorCodeBadRequest, "inviter"},
		{"invitee a number", "application/json", `{"invitee": 42}`, 400, raw.ErrorCodeBadRequest, "invitee"},
		{"invitee null", "application/json", `{"invitee": null}`, 400, raw.ErrorCodeBadRequest, "invitee"},
		{"message null", "application/json", `{"invitee": "urn:li:person:Qm9i", "message": null}`, 400, raw.ErrorCodeBadRequest, "message"},
		{"body too long", "application/json", `{"invitee": "urn:li:person:Qm9i", "message": {"invitationMessage": {"body": "` + strings.Repeat("x", 301) + `"}}}`, 400, raw.ErrorCodeBadRequest, "message.invitationMessage.body"},
		{"wrong object type", "application/json", `{"@odata.type": "#microsoft.graph.user", "invitee": "urn:li:person:Qm9i"}`, 400, raw.ErrorCodeBadRequest, "@odata.type"},
		{"created not a number", "application/json", `{"created": "Integer", "invitee": "urn:li:person:Qm9i"}`, 400, raw.ErrorCodeBadRequest, "created"},
		{"empty trackingId", "application/json", `{"invitee": "urn:li:person:Qm9i", "trackingId": ""}`, 400, raw.ErrorCodeBadRequest, "trackingId"},
		{"array body", "application/json", `[{"invitee": "urn:li:person:Qm9i"}]`, 400, raw.ErrorCodeBadRequest, ""},
		{"malformed JSON", "application/json", `{"invitee": "urn:li:person:Qm9i"`, 400, raw.ErrorCodeBadRequest, ""},
		{"trailing garbage", "application/json", `{"invitee": "urn:li:person:Qm9i"} {}`, 400, raw.ErrorCodeBadRequest, ""},
		{"empty body", "application/json", ``, 400, raw.ErrorCodeBadRequest, ""},
		{"invalid UTF-8", "application/json", "{\"invitee\": \"urn:li:person:Qm9i\", \"trackingId\": \"\xff\xfe\"}", 400, raw.ErrorCodeBadRequest, ""},
		{"another inviter", "application/json", `{"inviter": "urn:li:person:B0bY7z", "invitee": "urn:li:person:Qm9i"}`, 403, raw.ErrorCodeAccessDenied, "inviter"},
		{"text/plain", "text/plain", `{"invitee": "urn:li:person:Qm9i"}`, 415, raw.ErrorCodeUnsupportedMediaType, ""},
		{"form", "application/x-www-form-urlencoded", `invitee=urn:li:person:Qm9i`, 415, raw.ErrorCodeUnsupportedMediaType, ""},
		{"no Content-Type", "", `{"invitee": "urn:li:person:Qm9i"}`, 415, raw.ErrorCodeUnsupportedMediaType, ""},
		{"body over 64 KiB", "application/json", `{"invitee": "urn:li:person:Qm9i", "trackingId": "` + strings.Repeat("x", 64<<10) + `"}`, 413, raw.ErrorCodeRequestEntityTooLarge, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.createRaw(token, tt.contentType, tt.body)
			if res.StatusCode() != tt.status {
				t.Fatalf("status = %d; want %d; body %s", res.StatusCode(), tt.status, res.Body)
			}
			got := errorOf(t, res.Body)
			if got.Code != tt.code {
				t.Errorf("code = %q; want %q", got.Code, tt.code)
			}
			if tt.target != "" && (deref(got.Target) != tt.target || !strings.Contains(got.Message, tt.target)) {
				t.Errorf("message = %q, target = %q; want both to name %q", got.Message, deref(got.Target), tt.target)
			}
			if got.InnerError.RequestID != res.HTTPResponse.Header.Get("request-id") {
				t.Errorf("innerError.request-id = %q; want the request-id header %q", got.InnerError.RequestID, res.HTTPResponse.Header.Get("request-id"))
			}
		})
	}
}

// An over-long body without a Content-Length is cut off at the limit.
func TestCreateInvitationStreamedBodyTooLarge(t *testing.T) {
	e := newEnv(t)
	body := `{"invitee": "urn:li:person:Qm9i", "trackingId": "` + strings.Repeat("x", 100<<10) + `"}`
	req, err := http.NewRequest(http.MethodPost, e.url+"/linkedIn/invitations", struct{ *strings.Reader }{strings.NewReader(body)})
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+delegated(t, tenantA, alice, invitations.PermReadWrite))
	res, err := e.transport.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if req.ContentLength != 0 || len(req.TransferEncoding) > 0 && req.TransferEncoding[0] != "chunked" {
		t.Fatalf("request sent with Content-Length %d; the test needs a chunked body", req.ContentLength)
	}
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status = %d; want 413", res.StatusCode)
	}
}

// An operation that takes no body leaves one unread: a large or malformed
// body is neither a 413 nor a 400, which those operations do not declare.
func TestBodyWhereNoneIsTaken(t *testing.T) {
	e := newEnv(t)
	token := delegated(t, tenantA, alice, invitations.PermReadWrite)
	root := strings.TrimSuffix(e.url, "/v1.0")
	for _, body := range []string{strings.Repeat("x", 100<<10), `{"not": json`} {
		for _, url := range []string{e.url + "/linkedIn/invitations", root + "/healthz", root + "/openapi.json"} {
			req, err := http.NewRequest(http.MethodGet, url, strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			res, err := e.transport.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Errorf("GET %s with a %d-byte body = %d; want 200", url, len(body), res.StatusCode)
			}
		}
	}
}

func TestCreateInvitationPermissions(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name   string
		token  string
		body   raw.InvitationV2Create
		status int
	}{
		{"delegated ReadWrite", delegated(t, tenantA, alice, invitations.PermReadWrite), raw.InvitationV2Create{Invitee: "urn:li:person:P1"}, 201},
		{"delegated ReadWrite among others", delegated(t, tenantA, alice, "User.Read", invitations.PermReadWrite), raw.InvitationV2Create{Invitee: "urn:li:person:P2"}, 201},
		{"delegated Read", delegated(t, tenantA, alice, invitations.PermRead), raw.InvitationV2Create{Invitee: "urn:li:person:P3"}, 403},
		{"delegated unrelated scope", delegated(t, tenantA, alice, "Mail.Send"), raw.InvitationV2Create{Invitee: "urn:li:person:P4"}, 403},
		{"delegated with an application permission as a scope", delegated(t, tenantA, alice, invitations.PermReadWriteAll), raw.InvitationV2Create{Invitee: "urn:li:person:P5"}, 403},
		{"application ReadWrite.All", application(t, tenantA, invitations.PermReadWriteAll), raw.InvitationV2Create{Inviter: ptr(bob), Invitee: "urn:li:person:P6"}, 201},
		{"application Read.All", application(t, tenantA, invitations.PermReadAll), raw.InvitationV2Create{Inviter: ptr(bob), Invitee: "urn:li:person:P7"}, 403},
		{"application with a delegated permission as a role", application(t, tenantA, invitations.PermReadWrite), raw.InvitationV2Create{Inviter: ptr(bob), Invitee: "urn:li:person:P8"}, 403},
		{"no permissions", mint(t, claims(tenantA, alice)), raw.InvitationV2Create{Invitee: "urn:li:person:P9"}, 403},
		{"personal Microsoft account", delegated(t, "9188040d-6c67-4c5b-b112-36a304b66dad", alice, invitations.PermReadWrite), raw.InvitationV2Create{Invitee: "urn:li:person:P10"}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.create(tt.token, tt.body)
			if res.StatusCode() != tt.status {
				t.Fatalf("status = %d; want %d; body %s", res.StatusCode(), tt.status, res.Body)
			}
			if tt.status == http.StatusForbidden {
				if got := errorOf(t, res.Body).Code; got != raw.ErrorCodeAccessDenied {
					t.Errorf("code = %q; want accessDenied", got)
				}
			}
		})
	}
}

func TestCreateInvitationAuthentication(t *testing.T) {
	e := newEnv(t)
	body := `{"invitee": "urn:li:person:Qm9i"}`
	expired := claims(tenantA, alice)
	expired.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-2 * jwtauth.Leeway))
	early := claims(tenantA, alice)
	early.NotBefore = jwt.NewNumericDate(time.Now().Add(2 * jwtauth.Leeway))
	issuedLater := claims(tenantA, alice)
	issuedLater.IssuedAt = jwt.NewNumericDate(time.Now().Add(24 * time.Hour))
	wrongIssuer := claims(tenantA, alice)
	wrongIssuer.Issuer = "https://login.example.com/other"
	wrongAudience := claims(tenantA, alice)
	wrongAudience.Audience = []string{"api://someone-else"}
	noTenant := claims("", alice)
	noSubject := claims(tenantA, "")
	noExpiry := claims(tenantA, alice)
	noExpiry.ExpiresAt = nil
	otherKey, err := jwtauth.MintHS256([]byte("another-key-0123456789abcdef0123456789"), withScope(claims(tenantA, alice)))
	if err != nil {
		t.Fatal(err)
	}
	valid := mint(t, withScope(claims(tenantA, alice)))
	tests := []struct {
		name          string
		authorization []string
		challenge     string // WWW-Authenticate must contain this
	}{
		{"no Authorization", nil, `Bearer realm="invitations"`},
		{"expired", []string{"Bearer " + mint(t, withScope(expired))}, `error="invalid_token"`},
		{"not yet valid", []string{"Bearer " + mint(t, withScope(early))}, `error="invalid_token"`},
		{"issued a day from now", []string{"Bearer " + mint(t, withScope(issuedLater))}, `error="invalid_token", error_description="the token's iat`},
		{"wrong issuer", []string{"Bearer " + mint(t, withScope(wrongIssuer))}, `error="invalid_token"`},
		{"wrong audience", []string{"Bearer " + mint(t, withScope(wrongAudience))}, `error="invalid_token"`},
		{"no tid", []string{"Bearer " + mint(t, withScope(noTenant))}, `error="invalid_token"`},
		{"no sub", []string{"Bearer " + mint(t, withScope(noSubject))}, `error="invalid_token"`},
		{"no exp", []string{"Bearer " + mint(t, withScope(noExpiry))}, `error="invalid_token"`},
		{"wrong key", []string{"Bearer " + otherKey}, `error="invalid_token"`},
		{"tampered payload", []string{"Bearer " + tamper(valid)}, `error="invalid_token"`},
		{"alg none", []string{"Bearer " + unsigned(t, withScope(claims(tenantA, alice)))}, `error="invalid_token"`},
		{"garbage", []string{"Bearer not.a.jwt"}, `error="invalid_token"`},
		{"not Bearer", []string{"Basic YWxpY2U6c2VjcmV0"}, `error="invalid_token"`},
		{"token without scheme", []string{valid}, `error="invalid_token"`},
		{"two tokens", []string{"Bearer " + valid + " " + valid}, `error="invalid_token"`},
		{"two headers", []string{"Bearer " + valid, "Bearer " + valid}, `error="invalid_token"`},
		{"empty Bearer", []string{"Bearer "}, `error="invalid_token"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edit := func(_ context.Context, req *http.Request) error {
				for _, v := range tt.authorization {
					req.Header.Add("Authorization", v)
				}
				return nil
			}
			res := e.createRaw("", "application/json", body, edit)
			if res.StatusCode() != http.StatusUnauthorized {
				t.Fatalf("status = %d; want 401; body %s", res.StatusCode(), res.Body)
			}
			if got := errorOf(t, res.Body).Code; got != raw.ErrorCodeInvalidAuthenticationToken {
				t.Errorf("code = %q; want InvalidAuthenticationToken", got)
			}
			if got := res.HTTPResponse.Header.Get("WWW-Authenticate"); !strings.Contains(got, tt.challenge) {
				t.Errorf("WWW-Authenticate = %q; want it to contain %q", got, tt.challenge)
			}
		})
	}

	t.Run("token in the query string", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodPost, e.url+"/linkedIn/invitations?access_token="+valid, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		res, err := e.transport.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Errorf("status = %d, WWW-Authenticate = %q; want 401 with error=\"invalid_token\"", res.StatusCode, res.Header.Get("WWW-Authenticate"))
		}
	})
}

func TestClientRequestID(t *testing.T) {
	e := newEnv(t)
	token := delegated(t, tenantA, alice, invitations.PermReadWrite)
	const id = "5c9e2b1a-8f3d-4b0e-9c67-1d2e3f4a5b6c"

	res := e.create(token, raw.InvitationV2Create{Invitee: "urn:li:person:Qm9i"}, header("client-request-id", id))
	if got := res.HTTPResponse.Header.Get("client-request-id"); got != id {
		t.Errorf("201: client-request-id = %q; want %q", got, id)
	}
	res = e.create(token, raw.InvitationV2Create{Invitee: "urn:li:person:Qm9i"}, header("client-request-id", id))
	if res.StatusCode() != http.StatusConflict {
		t.Fatalf("status = %d; want 409", res.StatusCode())
	}
	if got := res.HTTPResponse.Header.Get("client-request-id"); got != id {
		t.Errorf("409: client-request-id header = %q; want %q", got, id)
	}
	if got := errorOf(t, res.Body).InnerError.ClientRequestID; deref(got) != id {
		t.Errorf("409: innerError.client-request-id = %q; want %q", deref(got), id)
	}

	// One too long to echo is a 400 naming the header, and is not echoed.
	long := strings.Repeat("x", 200)
	res = e.create(token, raw.InvitationV2Create{Invitee: "urn:li:person:Zed"}, header("client-request-id", long))
	if res.StatusCode() != http.StatusBadRequest {
		t.Fatalf("long client-request-id: status = %d; want 400", res.StatusCode())
	}
	if got := errorOf(t, res.Body); deref(got.Target) != "client-request-id" {
		t.Errorf("target = %q; want client-request-id", deref(got.Target))
	}
	if got := res.HTTPResponse.Header.Get("client-request-id"); got == long {
		t.Error("an invalid client-request-id was echoed")
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
