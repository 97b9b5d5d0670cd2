package invitations_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations"
)

func TestCloseRequestValidate(t *testing.T) {
	ids := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("3f0c8e1a-6a3d-4f57-9a8e-%012d", i)
		}
		return out
	}
	tests := []struct {
		name       string
		r          invitations.CloseRequest
		wantTarget string // "" for valid
		wantIn     string // a part of the message
	}{
		{"accept one", invitations.CloseRequest{Action: invitations.ActionAccept, IDs: ids(1)}, "", ""},
		{"ignore the most", invitations.CloseRequest{Action: invitations.ActionIgnore, IDs: ids(invitations.MaxCloseIDs)}, "", ""},
		{"no action", invitations.CloseRequest{IDs: ids(1)}, "action", `"" is not an action`},
		{"another action", invitations.CloseRequest{Action: "withdraw", IDs: ids(1)}, "action", "use accept or ignore"},
		{"no ids", invitations.CloseRequest{Action: invitations.ActionAccept}, "invitationIds", "empty"},
		{"too many ids", invitations.CloseRequest{Action: invitations.ActionAccept, IDs: ids(invitations.MaxCloseIDs + 1)}, "invitationIds", "101 ids; at most 100"},
		{"an id twice", invitations.CloseRequest{Action: invitations.ActionAccept, IDs: append(ids(3), ids(2)[1])},
			"invitationIds", "3f0c8e1a-6a3d-4f57-9a8e-000000000001 is given twice (items 1 and 3)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.r.Validate()
			if tt.wantTarget == "" {
				if err != nil {
					t.Fatalf("Validate = %v; want nil", err)
				}
				return
			}
			var e *invitations.Error
			if !errors.As(err, &e) || e.Kind != invitations.ErrInvalid || e.Target != tt.wantTarget || !strings.Contains(e.Message, tt.wantIn) {
				t.Fatalf("Validate = %#v; want ErrInvalid about %s, saying %q", err, tt.wantTarget, tt.wantIn)
			}
		})
	}
}

// Every caller, on every kind of invitation, in every state.
func TestCloseRequestDecide(t *testing.T) {
	const alice, bob, carol = "urn:li:person:alice", "urn:li:person:bob", "urn:li:person:carol"
	delegated := func(who string, scopes ...string) invitations.Caller {
		return invitations.Caller{Tenant: "t1", Subject: who, Scopes: scopes}
	}
	app := func(roles ...string) invitations.Caller {
		return invitations.Caller{Tenant: "t1", Subject: "app-id", Roles: roles}
	}
	toAlice := &invitations.Invitation{ID: "i1", Tenant: "t1", Inviter: bob, Invitee: alice, State: invitations.StatePending}
	accepted := func(inv *invitations.Invitation) *invitations.Invitation {
		c := *inv
		c.State = invitations.StateAccepted
		return &c
	}
	fromAlice := &invitations.Invitation{ID: "i2", Tenant: "t1", Inviter: alice, Invitee: bob, State: invitations.StatePending}
	others := &invitations.Invitation{ID: "i3", Tenant: "t1", Inviter: bob, Invitee: carol, State: invitations.StatePending}
	toEmail := &invitations.Invitation{ID: "i4", Tenant: "t1", Inviter: bob, Invitee: "urn:li:email:dan@example.com", State: invitations.StatePending}
	otherTenant := &invitations.Invitation{ID: "i5", Tenant: "t2", Inviter: bob, Invitee: alice, State: invitations.StatePending}
	const closes = "close"
	tests := []struct {
		name   string
		caller invitations.Caller
		action invitations.Action
		inv    *invitations.Invitation
		want   any // closes, nil (succeeds unchanged) or an error kind
	}{
		{"invitee accepts", delegated(alice, invitations.PermReadWrite), invitations.ActionAccept, toAlice, closes},
		{"invitee ignores", delegated(alice, invitations.PermReadWrite), invitations.ActionIgnore, toAlice, closes},
		{"invitee accepts again", delegated(alice, invitations.PermReadWrite), invitations.ActionAccept, accepted(toAlice), nil},
		{"invitee ignores the accepted", delegated(alice, invitations.PermReadWrite), invitations.ActionIgnore, accepted(toAlice), invitations.ErrConflict},
		{"inviter accepts its own", delegated(alice, invitations.PermReadWrite), invitations.ActionAccept, fromAlice, invitations.ErrForbidden},
		{"inviter, closed already", delegated(alice, invitations.PermReadWrite), invitations.ActionAccept, accepted(fromAlice), invitations.ErrForbidden},
		{"a third person", delegated(alice, invitations.PermReadWrite), invitations.ActionAccept, others, invitations.ErrNotFound},
		{"another tenant's", delegated(alice, invitations.PermReadWrite), invitations.ActionAccept, otherTenant, invitations.ErrNotFound},
		{"none", delegated(alice, invitations.PermReadWrite), invitations.ActionAccept, nil, invitations.ErrNotFound},
		{"invitee, read only", delegated(alice, invitations.PermRead), invitations.ActionAccept, toAlice, invitations.ErrForbidden},
		{"application for an email invitee", app(invitations.PermReadWriteAll), invitations.ActionAccept, toEmail, closes},
		{"application for a member", app(invitations.PermReadWriteAll), invitations.ActionIgnore, others, closes},
		{"application, another tenant's", app(invitations.PermReadWriteAll), invitations.ActionAccept, otherTenant, invitations.ErrNotFound},
		{"application, read only", app(invitations.PermReadAll), invitations.ActionAccept, toEmail, invitations.ErrForbidden},
		{"application, accepted by the invitee", app(invitations.PermReadWriteAll), invitations.ActionAccept, accepted(toAlice), nil},
		{"application, ignoring the accepted", app(invitations.PermReadWriteAll), invitations.ActionIgnore, accepted(toAlice), invitations.ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := invitations.CloseRequest{Caller: tt.caller, Action: tt.action, IDs: []string{"i0"}}
			id := "i0"
			if tt.inv != nil {
				id = tt.inv.ID
			}
			close, err := r.Decide(id, tt.inv)
			switch want := tt.want.(type) {
			case string:
				if !close || err != nil {
					t.Errorf("Decide = %v, %v; want true, nil", close, err)
				}
			case nil:
				if close || err != nil {
					t.Errorf("Decide = %v, %v; want false, nil (closed by this action before)", close, err)
				}
			case error:
				// An entry's failure names its invitation; a caller who
				// may not write at all is refused the whole request first.
				var e *invitations.Error
				if close || !errors.Is(err, want) || !errors.As(err, &e) || tt.caller.CanWrite() && !strings.Contains(e.Message, id) {
					t.Errorf("Decide = %v, %v; want false and %v naming %s", close, err, want, id)
				}
			}
		})
	}
}

func TestCloseAs(t *testing.T) {
	created := time.UnixMilli(1795628728473)
	inv := invitations.Invitation{ID: "i1", Created: created, LastModified: created.Add(5 * time.Millisecond),
		State: invitations.StatePending, Version: 3}
	tests := []struct {
		name string
		now  time.Time
		want time.Time // closed and lastModified
	}{
		{"now", created.Add(time.Second + 700*time.Microsecond), created.Add(time.Second)},
		{"the clock stood still", created.Add(5 * time.Millisecond), created.Add(6 * time.Millisecond)},
		{"the clock went back", created, created.Add(6 * time.Millisecond)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := inv.CloseAs(invitations.StateIgnored, tt.now)
			want := inv
			want.State, want.Closed, want.LastModified, want.Version = invitations.StateIgnored, tt.want, tt.want, 4
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("CloseAs(ignored, %v) (-want +got):\n%s", tt.now, diff)
			}
		})
	}
}

func TestClosedError(t *testing.T) {
	err := invitations.ClosedError(invitations.Invitation{ID: "i1", State: invitations.StateAccepted})
	var e *invitations.Error
	if !errors.As(err, &e) || e.Kind != invitations.ErrConflict || e.Target != "state" || !strings.HasPrefix(e.Message, "state: invitation i1 was accepted") {
		t.Errorf("ClosedError = %#v; want an ErrConflict about state", err)
	}
}
