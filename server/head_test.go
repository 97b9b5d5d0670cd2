package server_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/client/raw"
)

// perRequest are the header fields that differ from one answer to the next
// whatever the method: ids, the clock, the caller's remaining rate.
var perRequest = map[string]bool{"Request-Id": true, "Client-Request-Id": true, "Date": true, "Ratelimit": true}

// checkHead fails the test unless the answers to a GET and a HEAD both have
// status, and the HEAD's has no body and the GET's header fields, but for
// those that differ between any two answers.
func checkHead(t *testing.T, get, head *http.Response, headBody []byte, status int) {
	t.Helper()
	if get.StatusCode != status || head.StatusCode != status {
		t.Fatalf("GET = %d, HEAD = %d; want both %d", get.StatusCode, head.StatusCode, status)
	}
	if len(headBody) != 0 {
		t.Errorf("HEAD has a body: %q", headBody)
	}
	strip := func(h http.Header) http.Header {
		out := http.Header{}
		for k, v := range h {
			if !perRequest[k] {
				out[k] = v
			}
		}
		return out
	}
	if diff := cmp.Diff(strip(get.Header), strip(head.Header)); diff != "" {
		t.Errorf("HEAD's header fields differ from GET's (-get +head):\n%s", diff)
	}
}

// HEAD answers with GET's status and header fields and no body, on the
// invitation and on the list, refusals included; it needs the same token
// and permissions.
func TestHead(t *testing.T) {
	e := newEnv(t)
	inv := e.mustCreate(tenantA, alice, bob)
	e.mustCreate(tenantA, alice, "urn:li:person:C4rol")
	ctx := context.Background()
	missing := "3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60"

	for _, tt := range []struct {
		name, token, id string
		status          int
	}{
		{"the inviter", delegated(t, tenantA, alice, invitations.PermRead), *inv.ID, 200},
		{"an application", application(t, tenantA, invitations.PermReadAll), *inv.ID, 200},
		{"no token", "", *inv.ID, 401},
		{"a bad token", "not.a.jwt", *inv.ID, 401},
		{"no read permission", delegated(t, tenantA, alice, "User.Read"), *inv.ID, 403},
		{"someone else", delegated(t, tenantA, "urn:li:person:D4ve", invitations.PermRead), *inv.ID, 404},
		{"no such invitation", delegated(t, tenantA, alice, invitations.PermRead), missing, 404},
		{"a malformed id", delegated(t, tenantA, alice, invitations.PermRead), "not-a-uuid", 400},
	} {
		t.Run("invitation/"+tt.name, func(t *testing.T) {
			get := e.get(tt.token, tt.id)
			head, err := e.client.HeadInvitationWithResponse(ctx, tt.id, nil, as(tt.token))
			if err != nil {
				t.Fatal(err)
			}
			checkHead(t, get.HTTPResponse, head.HTTPResponse, head.Body, tt.status)
		})
	}

	app := application(t, tenantA, invitations.PermReadAll)
	for _, tt := range []struct {
		name   string
		token  string
		params raw.ListInvitationsParams
		status int
	}{
		{"a page", app, raw.ListInvitationsParams{Top: ptr(1), Count: ptr(true)}, 200},
		{"a filtered page", delegated(t, tenantA, bob, invitations.PermRead), raw.ListInvitationsParams{Filter: ptr("invitee eq '" + bob + "'")}, 200},
		{"no token", "", raw.ListInvitationsParams{}, 401},
		{"no read permission", application(t, tenantA, "User.Read.All"), raw.ListInvitationsParams{}, 403},
		{"a bad filter", app, raw.ListInvitationsParams{Filter: ptr("status eq 'sent'")}, 400},
		{"a bad $top", app, raw.ListInvitationsParams{Top: ptr(0)}, 400},
	} {
		t.Run("list/"+tt.name, func(t *testing.T) {
			get := e.list(tt.token, tt.params)
			p := raw.HeadInvitationsParams(tt.params)
			head, err := e.client.HeadInvitationsWithResponse(ctx, &p, as(tt.token))
			if err != nil {
				t.Fatal(err)
			}
			checkHead(t, get.HTTPResponse, head.HTTPResponse, head.Body, tt.status)
		})
	}
}
