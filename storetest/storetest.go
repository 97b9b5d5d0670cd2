// Package storetest is the conformance suite of invitations.Store: every
// engine runs the same cases, so the engines behave alike.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/graph-linkedin/invitations"
)

// Opener returns a new, empty store for one test, whose clock is now (the
// store's source of created and lastModified). It closes the store when the
// test ends.
type Opener func(t *testing.T, now func() time.Time) invitations.Store

// Run runs the suite.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s invitations.Store)
		// clock returns the store's clock; time.Now when nil.
		clock func() func() time.Time
	}{
		{"IdempotentCreate", testIdempotentCreate, nil},
		{"IdempotencyScope", testIdempotencyScope, nil},
		{"IdempotentConflict", testIdempotentConflict, nil},
		{"IdempotentFailure", testIdempotentFailure, nil},
		{"IdempotencyConcurrent", testIdempotencyConcurrent, nil},
		{"IdempotentClose", testIdempotentClose, nil},
		{"IdempotentCloseKeyReused", testIdempotentCloseKeyReused, nil},
		{"IdempotentCloseFailure", testIdempotentCloseFailure, nil},
		{"IdempotentCloseConcurrent", testIdempotentCloseConcurrent, nil},
		{"CreateInvitation", testCreate, nil},
		{"CreateInvitationConflict", testCreateConflict, nil},
		{"CreateInvitationConcurrentSamePair", testCreateConcurrentSamePair, nil},
		{"CreateInvitationConcurrentPairs", testCreateConcurrentPairs, nil},
		{"Invitation", testGet, nil},
		{"ListInvitations", testList, steppingClock},
		{"ListInvitationsPaging", testListPaging, steppingClock},
		{"ListInvitationsPagingWhileCreating", testListPagingWhileCreating, steppingClock},
		{"UpdateInvitation", testUpdate, nil},
		{"UpdateInvitationConcurrent", testUpdateConcurrent, nil},
		{"LastModifiedMovesForward", testLastModifiedMovesForward, frozenClock},
		{"DeleteInvitation", testDelete, nil},
		{"CloseInvitations", testClose, nil},
		{"CloseInvitationsRepeat", testCloseRepeat, nil},
		{"CloseInvitationsEntries", testCloseEntries, nil},
		{"CloseInvitationsConcurrent", testCloseConcurrent, nil},
		{"CloseInvitationsConcurrentOverlapping", testCloseConcurrentOverlapping, nil},
		{"CloseInvitationsLastModifiedMovesForward", testCloseLastModified, frozenClock},
		{"ReinviteAfterClose", testReinviteAfterClose, nil},
		{"UpdateClosedInvitation", testUpdateClosed, nil},
		{"DeleteClosedInvitation", testDeleteClosed, nil},
		{"Ping", testPing, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			now := time.Now
			if tt.clock != nil {
				now = tt.clock()
			}
			tt.fn(t, open(t, now))
		})
	}
	// Cases that move the store's clock by hand.
	manual := []struct {
		name string
		fn   func(t *testing.T, s invitations.Store, clock *Clock)
	}{
		{"IdempotencyExpiry", testIdempotencyExpiry},
		{"IdempotentCloseExpiry", testIdempotentCloseExpiry},
		{"Subscriptions", testSubscriptions},
		{"OutboxChanges", testOutboxChanges},
		{"OutboxClose", testOutboxClose},
		{"OutboxLeases", testOutboxLeases},
		{"OutboxDrop", testOutboxDrop},
		{"OutboxExpiry", testOutboxExpiry},
		{"OutboxConcurrentClaims", testOutboxConcurrentClaims},
	}
	for _, tt := range manual {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := NewClock()
			tt.fn(t, open(t, clock.Now), clock)
		})
	}
}

// frozenClock stands still, as two writes in one millisecond see.
func frozenClock() func() time.Time {
	frozen := time.UnixMilli(1795628728473)
	return func() time.Time { return frozen }
}

// steppingClock moves one millisecond forward every third reading, so that
// invitations created one after another share sort keys (ties broken by id)
// however fast or slow the engine is.
func steppingClock() func() time.Time {
	var (
		mu    sync.Mutex
		reads int64
	)
	start := time.UnixMilli(1795628728473)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		reads++
		return start.Add(time.Duration(reads/3) * time.Millisecond)
	}
}

// Invitation returns a valid invitation in tenant from inviter to invitee.
func Invitation(tenant, inviter, invitee string) invitations.Invitation {
	return invitations.Invitation{Tenant: tenant, Inviter: inviter, Invitee: invitee}
}

func testCreate(t *testing.T, s invitations.Store) {
	ctx := context.Background()
	in := invitations.Invitation{
		Tenant:     "tenant-1",
		Inviter:    "urn:li:person:alice",
		Invitee:    "urn:li:email:bob@example.com",
		Message:    &invitations.Message{TemplateID: "urn:li:invitationTemplate:1", Body: "Hello, Bob ✓"},
		TrackingID: "track-1",
	}
	before := time.Now().Truncate(time.Millisecond)
	got, err := s.CreateInvitation(ctx, in)
	after := time.Now()
	if err != nil {
		t.Fatalf("CreateInvitation: %v", err)
	}
	if _, err := uuid.Parse(got.ID); err != nil {
		t.Errorf("ID = %q; want a UUID", got.ID)
	}
	if got.Created.Before(before) || got.Created.After(after) || !got.LastModified.Equal(got.Created) {
		t.Errorf("Created, LastModified = %v, %v; want equal and within [%v, %v]", got.Created, got.LastModified, before, after)
	}
	if got.Created.Nanosecond()%int(time.Millisecond) != 0 {
		t.Errorf("Created = %v; want millisecond precision, as on the wire", got.Created)
	}
	want := in
	want.ID, want.Created, want.LastModified, want.Version = got.ID, got.Created, got.LastModified, 1
	want.State = invitations.StatePending
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CreateInvitation (-want +got):\n%s", diff)
	}

	// Another pair gets another id.
	other, err := s.CreateInvitation(ctx, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:carol"))
	if err != nil {
		t.Fatalf("CreateInvitation: %v", err)
	}
	if other.ID == got.ID {
		t.Errorf("two invitations share the id %q", got.ID)
	}
}

func testCreateConflict(t *testing.T, s invitations.Store) {
	ctx := context.Background()
	first := Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob")
	if _, err := s.CreateInvitation(ctx, first); err != nil {
		t.Fatalf("CreateInvitation: %v", err)
	}
	again := first
	again.TrackingID = "different"
	if _, err := s.CreateInvitation(ctx, again); !errors.Is(err, invitations.ErrConflict) {
		t.Errorf("CreateInvitation(same tenant and pair) = %v; want ErrConflict", err)
	}
	for _, inv := range []invitations.Invitation{
		Invitation("tenant-2", "urn:li:person:alice", "urn:li:person:bob"), // another tenant
		Invitation("tenant-1", "urn:li:person:bob", "urn:li:person:alice"), // the reverse pair
		Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:dan"), // another invitee
	} {
		if _, err := s.CreateInvitation(ctx, inv); err != nil {
			t.Errorf("CreateInvitation(%s, %s -> %s) = %v; want success", inv.Tenant, inv.Inviter, inv.Invitee, err)
		}
	}
}

// Many goroutines creating the same pair: exactly one succeeds.
func testCreateConcurrentSamePair(t *testing.T, s invitations.Store) {
	const n = 16
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		created   int
		conflicts int
	)
	for range n {
		wg.Go(func() {
			_, err := s.CreateInvitation(context.Background(), Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				created++
			case errors.Is(err, invitations.ErrConflict):
				conflicts++
			default:
				t.Errorf("CreateInvitation: %v", err)
			}
		})
	}
	wg.Wait()
	if created != 1 || conflicts != n-1 {
		t.Errorf("%d concurrent creates of one pair: %d created, %d conflicts; want 1 and %d", n, created, conflicts, n-1)
	}
}

// Many goroutines creating different pairs: all succeed, none is mistaken
// for another.
func testCreateConcurrentPairs(t *testing.T, s invitations.Store) {
	const n = 16
	var (
		wg  sync.WaitGroup
		ids sync.Map
	)
	for i := range n {
		wg.Go(func() {
			inv, err := s.CreateInvitation(context.Background(),
				Invitation("tenant-1", "urn:li:person:alice", fmt.Sprintf("urn:li:person:guest%d", i)))
			if err != nil {
				t.Errorf("CreateInvitation(alice -> guest%d): %v", i, err)
				return
			}
			ids.Store(inv.ID, inv.Invitee)
		})
	}
	wg.Wait()
	for key, invitee := range ids.Range {
		got, err := s.Invitation(context.Background(), "tenant-1", key.(string))
		if err != nil || got.Invitee != invitee {
			t.Errorf("Invitation(%s) = %v, %v; want the invitation to %s", key, got.Invitee, err, invitee)
		}
	}
}

func testPing(t *testing.T, s invitations.Store) {
	if err := s.Ping(context.Background()); err != nil {
		t.Errorf("Ping = %v; want nil", err)
	}
}
