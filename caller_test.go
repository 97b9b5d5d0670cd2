package invitations_test

import (
	"errors"
	"testing"

	"github.com/graph-linkedin/invitations"
)

func TestAuthorizeCreate(t *testing.T) {
	const alice, bob = "urn:li:person:alice", "urn:li:person:bob"
	delegated := func(scopes ...string) invitations.Caller {
		return invitations.Caller{Tenant: "t1", Subject: alice, Scopes: scopes}
	}
	app := func(roles ...string) invitations.Caller {
		return invitations.Caller{Tenant: "t1", Subject: "app-id", Roles: roles}
	}
	tests := []struct {
		name        string
		caller      invitations.Caller
		inviter     string
		wantErr     error
		wantInviter string
	}{
		{"delegated, inviter omitted", delegated(invitations.PermReadWrite), "", nil, alice},
		{"delegated, inviter itself", delegated(invitations.PermReadWrite), alice, nil, alice},
		{"delegated, another inviter", delegated(invitations.PermReadWrite), bob, invitations.ErrForbidden, ""},
		{"delegated, read only", delegated(invitations.PermRead), "", invitations.ErrForbidden, ""},
		{"delegated, application permission", delegated(invitations.PermReadWriteAll), "", invitations.ErrForbidden, ""},
		{"no permissions", invitations.Caller{Tenant: "t1", Subject: alice}, "", invitations.ErrForbidden, ""},
		{"application, inviter given", app(invitations.PermReadWriteAll), bob, nil, bob},
		{"application, inviter omitted", app(invitations.PermReadWriteAll), "", invitations.ErrInvalid, ""},
		{"application, read only", app(invitations.PermReadAll), bob, invitations.ErrForbidden, ""},
		{"application, delegated permission", app(invitations.PermReadWrite), bob, invitations.ErrForbidden, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := invitations.Invitation{Inviter: tt.inviter, Invitee: "urn:li:person:carol"}
			err := tt.caller.AuthorizeCreate(&inv)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("AuthorizeCreate = %v; want %v", err, tt.wantErr)
			}
			if err == nil && (inv.Inviter != tt.wantInviter || inv.Tenant != "t1") {
				t.Errorf("inviter, tenant = %q, %q; want %q, t1", inv.Inviter, inv.Tenant, tt.wantInviter)
			}
		})
	}
}
