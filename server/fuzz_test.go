package server_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"

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
