package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/client/raw"
)

// A query string Go's parser rejects would lose the offending pair without
// a word (a filtered list answering with everything); every operation, with
// a token or without one, refuses it with a 400 that names the pair.
func TestQueryStringDoesNotParse(t *testing.T) {
	e := newEnv(t)
	app := application(t, tenantA, invitations.PermReadWriteAll)
	inv := e.mustCreate(tenantA, alice, bob)
	e.mustCreate(tenantA, alice, "urn:li:person:C4rol")
	root := strings.TrimSuffix(e.url, "/v1.0")
	list, item := e.url+"/linkedIn/invitations", e.url+"/linkedIn/invitations/"+*inv.ID
	subs, sub := e.url+"/subscriptions", e.url+"/subscriptions/3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60"
	subscriber := delegated(t, tenantA, alice, invitations.PermReadWrite)

	// Each query string, on each operation: the message names the pair,
	// and the target the option when its name decodes.
	queries := []struct{ query, pair, target string }{
		{"$filter=trackingId%20eq%20'a;b'", "$filter=trackingId%20eq%20'a;b'", "$filter"},
		{"$filter=%zz", "$filter=%zz", "$filter"},
		{"$top=0;", "$top=0;", "$top"},
		{"$count=true&$expand=message;", "$expand=message;", "$expand"},
		{"%zz=1", "%zz=1", ""},
		{"a=1;b=2", "a=1;b=2", "a"},
	}
	ops := []struct {
		method, url, token, body string
	}{
		{http.MethodGet, list, app, ""},
		{http.MethodHead, list, app, ""},
		{http.MethodPost, list, app, `{"inviter": "` + alice + `", "invitee": "urn:li:person:D4ve"}`},
		{http.MethodGet, item, app, ""},
		{http.MethodHead, item, app, ""},
		{http.MethodPatch, item, app, `{"trackingId": "x"}`},
		{http.MethodDelete, item, app, ""},
		{http.MethodPost, list + "/inviteeClosingInvitation", app, `{"action": "accept", "invitationIds": ["` + *inv.ID + `"]}`},
		{http.MethodPost, subs, subscriber, `{"changeType": "created", "notificationUrl": "https://example.com/n",
			"resource": "linkedIn/invitations", "expirationDateTime": "2099-01-01T00:00:00Z"}`},
		{http.MethodGet, subs, subscriber, ""},
		{http.MethodHead, subs, subscriber, ""},
		{http.MethodGet, sub, subscriber, ""},
		{http.MethodHead, sub, subscriber, ""},
		{http.MethodPatch, sub, subscriber, `{"expirationDateTime": "2099-01-01T00:00:00Z"}`},
		{http.MethodDelete, sub, subscriber, ""},
		{http.MethodGet, list, "", ""}, // no token: still the 400
		{http.MethodGet, root + "/healthz", "", ""},
		{http.MethodGet, root + "/readyz", "", ""},
		{http.MethodGet, root + "/openapi.yaml", "", ""},
		{http.MethodGet, root + "/openapi.json", "", ""},
	}
	for _, op := range ops {
		for _, q := range queries {
			if res, _ := e.doAs(op.token, op.method, op.url+"?"+q.query, op.body); res.StatusCode != http.StatusBadRequest {
				t.Errorf("%s %s?%s = %d; want 400", op.method, op.url, q.query, res.StatusCode)
			}
		}
	}

	// The body says what is wrong, and where.
	for _, q := range queries {
		res, body := e.doAs(app, http.MethodGet, list+"?"+q.query, "")
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("GET ?%s = %d; want 400", q.query, res.StatusCode)
			continue
		}
		got := errorOf(t, []byte(body))
		if got.Code != raw.ErrorCodeBadRequest || !strings.Contains(got.Message, `"`+q.pair+`"`) || deref(got.Target) != q.target {
			t.Errorf("GET ?%s: error %s %q (target %q); want badRequest naming %q, target %q",
				q.query, got.Code, got.Message, deref(got.Target), q.pair, q.target)
		}
	}

	// Nothing was changed, closed or deleted by the refused requests.
	if res := e.get(app, *inv.ID); res.StatusCode() != http.StatusOK || res.JSON200.TrackingID != nil ||
		res.JSON200.State == nil || *res.JSON200.State != raw.InvitationV2StatePending {
		t.Errorf("after the refusals, get = %d %s; want 200, unchanged and pending", res.StatusCode(), res.Body)
	}
	// A query string that parses still works, an encoded ';' included.
	res, body := e.doAs(app, http.MethodGet, list+"?$filter=trackingId%20eq%20'a%3Bb'", "")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `"value":[]`) {
		t.Errorf("GET with an encoded ';' = %d %s; want 200 and no match", res.StatusCode, body)
	}
}
