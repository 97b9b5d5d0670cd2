package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations"
)

// reader is a caller who may read invitations: a member (delegated) or,
// with person "", the application of tenant.
func reader(tenant, person string) invitations.Caller {
	if person == "" {
		return invitations.Caller{Tenant: tenant, Subject: "app-reader", Roles: []string{invitations.PermReadAll}}
	}
	return invitations.Caller{Tenant: tenant, Subject: person, Scopes: []string{invitations.PermRead}}
}

// subscribe stores caller's subscription to types, expiring in a day by
// clock, with a lifecycle URL.
func subscribe(t *testing.T, s invitations.Store, clock *Clock, caller invitations.Caller, types invitations.ChangeType) invitations.Subscription {
	t.Helper()
	now := clock.Now()
	sub := caller.NewSubscription(invitations.Subscription{
		ChangeTypes:     types,
		NotificationURL: "https://receiver.example/notify/" + caller.Subject,
		LifecycleURL:    "https://receiver.example/lifecycle/" + caller.Subject,
		ClientState:     "state of " + caller.Subject,
		Expiration:      now.Add(24 * time.Hour),
	}, now)
	if err := sub.Validate(now); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	got, err := s.CreateSubscription(context.Background(), sub)
	if err != nil {
		t.Fatalf("CreateSubscription: %v", err)
	}
	if diff := cmp.Diff(sub, got); diff != "" {
		t.Errorf("CreateSubscription (-want +got):\n%s", diff)
	}
	return got
}

var all = invitations.ChangeCreated | invitations.ChangeUpdated | invitations.ChangeDeleted

// Subscriptions are their creator's: another caller, another tenant, an
// expired or deleted one is not found.
func testSubscriptions(t *testing.T, s invitations.Store, clock *Clock) {
	ctx := context.Background()
	alice := reader("tenant-1", "urn:li:person:alice")
	first := subscribe(t, s, clock, alice, invitations.ChangeCreated)
	clock.Add(time.Millisecond)
	second := subscribe(t, s, clock, alice, all)
	app := subscribe(t, s, clock, reader("tenant-1", ""), all)

	got, err := s.Subscription(ctx, "tenant-1", alice.Subject, first.ID)
	if err != nil || !cmp.Equal(got, first) {
		t.Errorf("Subscription(first) = %+v, %v; want %+v", got, err, first)
	}
	for _, tt := range []struct{ tenant, creator, id string }{
		{"tenant-1", "urn:li:person:bob", first.ID},
		{"tenant-2", alice.Subject, first.ID},
		{"tenant-1", alice.Subject, app.ID},
		{"tenant-1", alice.Subject, "7f105c7d-2dc5-4530-97cd-4e7ae6534c07"},
	} {
		if _, err := s.Subscription(ctx, tt.tenant, tt.creator, tt.id); !errors.Is(err, invitations.ErrNotFound) {
			t.Errorf("Subscription(%s, %s, %s) = %v; want ErrNotFound", tt.tenant, tt.creator, tt.id, err)
		}
	}
	list, err := s.ListSubscriptions(ctx, "tenant-1", alice.Subject)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]invitations.Subscription{first, second}, list); diff != "" {
		t.Errorf("ListSubscriptions (-want +got):\n%s", diff)
	}

	renewed, err := s.RenewSubscription(ctx, "tenant-1", alice.Subject, first.ID, clock.Now().Add(48*time.Hour))
	want := first
	want.Expiration = clock.Now().Add(48 * time.Hour)
	if err != nil || !cmp.Equal(renewed, want) {
		t.Errorf("RenewSubscription = %+v, %v; want %+v", renewed, err, want)
	}
	if got, _ := s.Subscription(ctx, "tenant-1", alice.Subject, first.ID); !got.Expiration.Equal(want.Expiration) {
		t.Errorf("after RenewSubscription, expiration %v; want %v", got.Expiration, want.Expiration)
	}
	if _, err := s.RenewSubscription(ctx, "tenant-1", "urn:li:person:bob", first.ID, clock.Now().Add(time.Hour)); !errors.Is(err, invitations.ErrNotFound) {
		t.Errorf("RenewSubscription by another creator = %v; want ErrNotFound", err)
	}

	if err := s.DeleteSubscription(ctx, "tenant-1", alice.Subject, second.ID); err != nil {
		t.Fatalf("DeleteSubscription: %v", err)
	}
	if err := s.DeleteSubscription(ctx, "tenant-1", alice.Subject, second.ID); !errors.Is(err, invitations.ErrNotFound) {
		t.Errorf("DeleteSubscription again = %v; want ErrNotFound", err)
	}
	if err := s.RemoveSubscription(ctx, "tenant-1", alice.Subject, app.ID); !errors.Is(err, invitations.ErrNotFound) {
		t.Errorf("RemoveSubscription of another's = %v; want ErrNotFound", err)
	}

	// A day on, only the renewed one lives.
	clock.Add(24 * time.Hour)
	list, err = s.ListSubscriptions(ctx, "tenant-1", alice.Subject)
	if err != nil || len(list) != 1 || list[0].ID != first.ID {
		t.Errorf("ListSubscriptions a day on = %v, %v; want only the renewed one", list, err)
	}
	if _, err := s.Subscription(ctx, "tenant-1", "app-reader", app.ID); !errors.Is(err, invitations.ErrNotFound) {
		t.Errorf("Subscription(expired) = %v; want ErrNotFound", err)
	}
	if _, err := s.RenewSubscription(ctx, "tenant-1", "app-reader", app.ID, clock.Now().Add(time.Hour)); !errors.Is(err, invitations.ErrNotFound) {
		t.Errorf("RenewSubscription(expired) = %v; want ErrNotFound", err)
	}
	if err := s.RemoveSubscription(ctx, "tenant-1", alice.Subject, first.ID); err != nil {
		t.Fatalf("RemoveSubscription: %v", err)
	}
	if _, err := s.Subscription(ctx, "tenant-1", alice.Subject, first.ID); !errors.Is(err, invitations.ErrNotFound) {
		t.Errorf("Subscription(removed) = %v; want ErrNotFound", err)
	}
}
