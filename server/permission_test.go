package server_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/client/raw"
)

// The whole permission matrix (docs/identity.md, "Permissions"): every operation, as
// every kind of caller, on the caller's own invitation, another user's in the
// same tenant, another tenant's, and one the caller received (Alice is the
// invitee).
func TestPermissionMatrix(t *testing.T) {
	e := newEnv(t)
	callers := []struct {
		name  string
		token string
	}{
		{"no token", ""},
		{"Invitations.Read", delegated(t, tenantA, alice, invitations.PermRead)},
		{"Invitations.ReadWrite", delegated(t, tenantA, alice, invitations.PermReadWrite)},
		{"Invitations.Read.All", application(t, tenantA, invitations.PermReadAll)},
		{"Invitations.ReadWrite.All", application(t, tenantA, invitations.PermReadWriteAll)},
		{"an unrelated scope", delegated(t, tenantA, alice, "User.Read")},
	}
	const own, others, otherTenant, received = 0, 1, 2, 3
	targets := []string{"own", "another user's", "another tenant's", "received"}
	// For close, a 200 whose one entry failed is the entry's code: it
	// stands for the invitation, while the request as a whole succeeded.
	const (
		notFoundEntry = 1404 // failed itemNotFound
		deniedEntry   = 1403 // failed accessDenied
	)
	// want[operation][caller][target] is the status; for list, 200 means
	// "listed" and 0 "not listed"; for create, "received" is an invitation
	// to Alice from someone else.
	want := map[string][6][4]int{
		"create": {{401, 401, 401, 401}, {403, 403, 403, 403}, {201, 403, 201, 403}, {403, 403, 403, 403}, {201, 201, 201, 201}, {403, 403, 403, 403}},
		"get":    {{401, 401, 401, 401}, {200, 404, 404, 200}, {200, 404, 404, 200}, {200, 200, 404, 200}, {200, 200, 404, 200}, {403, 403, 403, 403}},
		"list":   {{401, 401, 401, 401}, {200, 0, 0, 200}, {200, 0, 0, 200}, {200, 200, 0, 200}, {200, 200, 0, 200}, {403, 403, 403, 403}},
		"update": {{401, 401, 401, 401}, {403, 403, 403, 403}, {200, 404, 404, 403}, {403, 403, 403, 403}, {200, 200, 404, 200}, {403, 403, 403, 403}},
		"delete": {{401, 401, 401, 401}, {403, 403, 403, 403}, {204, 404, 404, 403}, {403, 403, 403, 403}, {204, 204, 404, 204}, {403, 403, 403, 403}},
		"close": {{401, 401, 401, 401}, {403, 403, 403, 403}, {deniedEntry, notFoundEntry, notFoundEntry, 200},
			{403, 403, 403, 403}, {200, 200, notFoundEntry, 200}, {403, 403, 403, 403}},
	}
	n := 0
	// target makes a fresh invitation of the kind, so each cell starts clean.
	target := func(kind int) raw.InvitationV2 {
		n++
		invitee := fmt.Sprintf("urn:li:person:M%d", n)
		switch kind {
		case own:
			return e.mustCreate(tenantA, alice, invitee)
		case others:
			return e.mustCreate(tenantA, bob, invitee)
		case received:
			return e.mustCreate(tenantA, fmt.Sprintf("urn:li:person:R%d", n), alice)
		default:
			return e.mustCreate(tenantB, alice, invitee)
		}
	}
	for _, op := range []string{"create", "get", "list", "update", "delete", "close"} {
		for ci, c := range callers {
			for kind, targetName := range targets {
				t.Run(fmt.Sprintf("%s/%s/%s", op, c.name, targetName), func(t *testing.T) {
					var got int
					switch op {
					case "create":
						// The tenant is the token's; "another tenant's" is
						// an application-chosen inviter there too.
						n++
						inviter, invitee := alice, fmt.Sprintf("urn:li:person:N%d", n)
						switch kind {
						case others:
							inviter = bob
						case received:
							inviter, invitee = fmt.Sprintf("urn:li:person:R%d", n), alice
						}
						got = e.create(c.token, raw.InvitationV2Create{Inviter: &inviter, Invitee: invitee}).StatusCode()
					case "get":
						got = e.get(c.token, *target(kind).ID).StatusCode()
					case "list":
						id := *target(kind).ID
						res := e.list(c.token, raw.ListInvitationsParams{Top: ptr(999)})
						got = res.StatusCode()
						if got == http.StatusOK && !slices.Contains(idsOf(res.JSON200.Value), id) {
							got = 0
						}
					case "update":
						got = e.update(c.token, *target(kind).ID, `{"trackingId": "changed"}`, "").StatusCode()
					case "delete":
						got = e.delete(c.token, *target(kind).ID, "").StatusCode()
					case "close":
						res := e.closing(c.token, raw.Accept, *target(kind).ID)
						got = res.StatusCode()
						if got == http.StatusOK && res.JSON200.Value[0].Error != nil {
							got = map[raw.ErrorCode]int{raw.ErrorCodeItemNotFound: notFoundEntry,
								raw.ErrorCodeAccessDenied: deniedEntry}[res.JSON200.Value[0].Error.Code]
						}
					}
					if w := want[op][ci][kind]; got != w {
						t.Errorf("status = %d; want %d", got, w)
					}
				})
			}
		}
	}
}
