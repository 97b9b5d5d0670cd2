package invitations_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations"
)

func TestParseChangeTypes(t *testing.T) {
	c, u, d := invitations.ChangeCreated, invitations.ChangeUpdated, invitations.ChangeDeleted
	tests := []struct {
		in     string
		want   invitations.ChangeType
		wire   string // String of want: the canonical order
		wantIn string // for an invalid in, a part of the message
	}{
		{"created", c, "created", ""},
		{"updated", u, "updated", ""},
		{"deleted", d, "deleted", ""},
		{"deleted,created", c | d, "created,deleted", ""},
		{"updated,deleted,created", c | u | d, "created,updated,deleted", ""},
		{"", 0, "", `"" is not a change type`},
		{"created,", 0, "", `"" is not a change type`},
		{"created, updated", 0, "", `" updated" is not a change type`},
		{"Created", 0, "", `"Created" is not a change type`},
		{"moved", 0, "", `"moved" is not a change type`},
		{"created,updated,created", 0, "", "created is named twice"},
	}
	for _, tt := range tests {
		got, err := invitations.ParseChangeTypes(tt.in)
		if tt.wantIn != "" {
			var e *invitations.Error
			if !errors.As(err, &e) || e.Kind != invitations.ErrInvalid || e.Target != "changeType" || !strings.Contains(e.Message, tt.wantIn) {
				t.Errorf("ParseChangeTypes(%q) = %v, %v; want ErrInvalid about changeType, saying %q", tt.in, got, err, tt.wantIn)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseChangeTypes(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if s := got.String(); s != tt.wire {
			t.Errorf("ParseChangeTypes(%q).String() = %q; want %q", tt.in, s, tt.wire)
		}
	}
}

func TestChangeTypeHas(t *testing.T) {
	set := invitations.ChangeCreated | invitations.ChangeDeleted
	tests := []struct {
		t    invitations.ChangeType
		want bool
	}{
		{invitations.ChangeCreated, true},
		{invitations.ChangeDeleted, true},
		{invitations.ChangeCreated | invitations.ChangeDeleted, true},
		{invitations.ChangeUpdated, false},
		{invitations.ChangeCreated | invitations.ChangeUpdated, false},
		{0, false},
	}
	for _, tt := range tests {
		if got := set.Has(tt.t); got != tt.want {
			t.Errorf("(%s).Has(%s) = %t; want %t", set, tt.t, got, tt.want)
		}
	}
}

// A valid subscription, at now.
func validSubscription(now time.Time) invitations.Subscription {
	return invitations.Subscription{
		ChangeTypes:     invitations.ChangeCreated | invitations.ChangeUpdated,
		NotificationURL: "https://receiver.example/notify",
		LifecycleURL:    "https://receiver.example/lifecycle",
		ClientState:     "secretClientValue",
		Expiration:      now.Add(24 * time.Hour),
	}
}

func TestSubscriptionValidate(t *testing.T) {
	now := time.UnixMilli(1795628728473)
	longURL := "https://receiver.example/" + strings.Repeat("a", invitations.MaxNotificationURL-len("https://receiver.example/"))
	tests := []struct {
		name       string
		change     func(*invitations.Subscription)
		wantTarget string // "" for valid
	}{
		{"as given", func(*invitations.Subscription) {}, ""},
		{"without a lifecycle URL or clientState", func(s *invitations.Subscription) { s.LifecycleURL, s.ClientState = "", "" }, ""},
		{"the longest URLs", func(s *invitations.Subscription) { s.NotificationURL, s.LifecycleURL = longURL, longURL }, ""},
		{"the longest clientState, in characters", func(s *invitations.Subscription) {
			s.ClientState = strings.Repeat("é", invitations.MaxClientState)
		}, ""},
		{"expiring at the most", func(s *invitations.Subscription) { s.Expiration = now.Add(invitations.MaxSubscriptionLifetime) }, ""},
		{"no change types", func(s *invitations.Subscription) { s.ChangeTypes = 0 }, "changeType"},
		{"an unknown change type", func(s *invitations.Subscription) { s.ChangeTypes |= 8 }, "changeType"},
		{"no notification URL", func(s *invitations.Subscription) { s.NotificationURL = "" }, "notificationUrl"},
		{"a notification URL too long", func(s *invitations.Subscription) { s.NotificationURL = longURL + "a" }, "notificationUrl"},
		{"a lifecycle URL too long", func(s *invitations.Subscription) { s.LifecycleURL = longURL + "a" }, "lifecycleNotificationUrl"},
		{"a clientState too long", func(s *invitations.Subscription) {
			s.ClientState = strings.Repeat("é", invitations.MaxClientState+1)
		}, "clientState"},
		{"a clientState with NUL", func(s *invitations.Subscription) { s.ClientState = "a\x00b" }, "clientState"},
		{"expiring now", func(s *invitations.Subscription) { s.Expiration = now }, "expirationDateTime"},
		{"expired", func(s *invitations.Subscription) { s.Expiration = now.Add(-time.Millisecond) }, "expirationDateTime"},
		{"expiring past the most", func(s *invitations.Subscription) {
			s.Expiration = now.Add(invitations.MaxSubscriptionLifetime + time.Millisecond)
		}, "expirationDateTime"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub := validSubscription(now)
			tt.change(&sub)
			err := sub.Validate(now)
			if tt.wantTarget == "" {
				if err != nil {
					t.Fatalf("Validate = %v; want nil", err)
				}
				return
			}
			var e *invitations.Error
			if !errors.As(err, &e) || e.Kind != invitations.ErrInvalid || e.Target != tt.wantTarget {
				t.Fatalf("Validate = %#v; want ErrInvalid about %s", err, tt.wantTarget)
			}
		})
	}
}

func TestNewSubscription(t *testing.T) {
	now := time.UnixMilli(1795628728473).Add(123 * time.Microsecond)
	given := validSubscription(now)
	given.Expiration = given.Expiration.Add(456 * time.Microsecond)
	tests := []struct {
		name                 string
		caller               invitations.Caller
		wantParty, wantAppID string
	}{
		{"a member, through an application", invitations.Caller{Tenant: "t1", Subject: "urn:li:person:alice",
			Scopes: []string{invitations.PermRead}, Application: "app-1"}, "urn:li:person:alice", "app-1"},
		{"a member, the token naming no application", invitations.Caller{Tenant: "t1", Subject: "urn:li:person:alice",
			Scopes: []string{invitations.PermRead}}, "urn:li:person:alice", ""},
		{"an application", invitations.Caller{Tenant: "t1", Subject: "app-2", Roles: []string{invitations.PermReadAll}}, "", "app-2"},
		{"an application, named by the token", invitations.Caller{Tenant: "t1", Subject: "app-2",
			Roles: []string{invitations.PermReadAll}, Application: "app-3"}, "", "app-3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.caller.NewSubscription(given, now)
			want := given
			want.ID = got.ID
			want.Tenant, want.Creator, want.Party, want.ApplicationID = "t1", tt.caller.Subject, tt.wantParty, tt.wantAppID
			want.Created = now.Truncate(time.Millisecond)
			want.Expiration = given.Expiration.Truncate(time.Millisecond)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("NewSubscription (-want +got):\n%s", diff)
			}
			if got.ID == "" || got.ID == tt.caller.NewSubscription(given, now).ID {
				t.Errorf("NewSubscription gave id %q, and again the same; want a new one each time", got.ID)
			}
		})
	}
}

// A subscription is notified of the changes its creator sees, of the types
// it asked for, until it expires.
func TestSubscriptionNotified(t *testing.T) {
	const alice, bob, carol = "urn:li:person:alice", "urn:li:person:bob", "urn:li:person:carol"
	now := time.UnixMilli(1795628728473)
	callers := []invitations.Caller{
		{Tenant: "t1", Subject: "app-1", Roles: []string{invitations.PermReadAll}},
		{Tenant: "t1", Subject: alice, Scopes: []string{invitations.PermRead}},
		{Tenant: "t1", Subject: bob, Scopes: []string{invitations.PermReadWrite}},
		{Tenant: "t2", Subject: alice, Scopes: []string{invitations.PermRead}},
	}
	invs := []invitations.Invitation{
		{Tenant: "t1", Inviter: alice, Invitee: bob},
		{Tenant: "t1", Inviter: bob, Invitee: alice},
		{Tenant: "t1", Inviter: carol, Invitee: "urn:li:email:dan@example.com"},
		{Tenant: "t2", Inviter: alice, Invitee: carol},
		{Tenant: "t3", Inviter: alice, Invitee: bob},
	}
	for _, c := range callers {
		sub := validSubscription(now)
		sub.ChangeTypes = invitations.ChangeUpdated | invitations.ChangeDeleted
		sub = c.NewSubscription(sub, now)
		for _, inv := range invs {
			sees := c.Sees(inv)
			if got := sub.Sees(inv); got != sees {
				t.Errorf("the subscription of %s of %s: Sees(%s to %s of %s) = %t; want %t, as its creator",
					c.Subject, c.Tenant, inv.Inviter, inv.Invitee, inv.Tenant, got, sees)
			}
			for _, tt := range []struct {
				t    invitations.ChangeType
				at   time.Time
				want bool
			}{
				{invitations.ChangeUpdated, now, sees},
				{invitations.ChangeDeleted, sub.Expiration.Add(-time.Millisecond), sees},
				{invitations.ChangeCreated, now, false},
				{invitations.ChangeUpdated, sub.Expiration, false},
			} {
				if got := sub.Notified(tt.t, inv, tt.at); got != tt.want {
					t.Errorf("the subscription of %s of %s: Notified(%s, %s to %s of %s, %s) = %t; want %t",
						c.Subject, c.Tenant, tt.t, inv.Inviter, inv.Invitee, inv.Tenant, tt.at, got, tt.want)
				}
			}
		}
	}
}

func TestRemovalNotices(t *testing.T) {
	now := time.UnixMilli(1795628728473).Add(789 * time.Microsecond)
	sub := invitations.Subscription{ID: "sub-1", LifecycleURL: "https://receiver.example/lifecycle"}
	tests := []struct {
		name      string
		sub       invitations.Subscription
		discarded int
		want      []invitations.LifecycleEvent
	}{
		{"nothing discarded", sub, 0, []invitations.LifecycleEvent{invitations.LifecycleRemoved}},
		{"some discarded", sub, 3, []invitations.LifecycleEvent{invitations.LifecycleMissed, invitations.LifecycleRemoved}},
		{"no lifecycle URL", invitations.Subscription{ID: "sub-2"}, 3, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			notices := invitations.RemovalNotices(tt.sub, tt.discarded, now)
			var got []invitations.LifecycleEvent
			ids := map[string]bool{}
			for _, n := range notices {
				got = append(got, n.Lifecycle)
				if n.ID == "" || ids[n.ID] || n.SubscriptionID != tt.sub.ID || n.Change != 0 || n.InvitationID != "" ||
					!n.Queued.Equal(now.Truncate(time.Millisecond)) {
					t.Errorf("notice %+v; want a new id, subscription %s, no change, queued %s", n, tt.sub.ID, now.Truncate(time.Millisecond))
				}
				ids[n.ID] = true
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("RemovalNotices events (-want +got):\n%s", diff)
			}
		})
	}
}
