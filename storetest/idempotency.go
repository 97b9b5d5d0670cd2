package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations"
)

// Clock is a clock a test moves by hand.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a Clock at a fixed time.
func NewClock() *Clock { return &Clock{t: time.UnixMilli(1795628728473)} }

// Now reads the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Purger is a store that deletes expired idempotency keys when asked (every
// engine does; the real ones also do it by themselves, periodically).
type Purger interface {
	PurgeExpiredKeys(ctx context.Context) (int, error)
}

// keyed is a create with key of alice in tenant-1, for the request
// fingerprint.
func keyed(key, fingerprint string) invitations.IdempotentRequest {
	return invitations.IdempotentRequest{
		Key:         invitations.IdempotencyKey{Tenant: "tenant-1", Subject: "urn:li:person:alice", Key: key},
		Operation:   invitations.OpCreateInvitation,
		Fingerprint: fingerprint,
	}
}

// mustCreateKeyed creates inv under req, failing the test on an error.
func mustCreateKeyed(t *testing.T, s invitations.Store, inv invitations.Invitation, req invitations.IdempotentRequest) invitations.Outcome {
	t.Helper()
	out, err := s.CreateInvitationIdempotent(context.Background(), inv, req)
	if err != nil {
		t.Fatalf("CreateInvitationIdempotent(%q): %v", req.Key.Key, err)
	}
	return out
}

// count is how many invitations tenant-1 has.
func count(t *testing.T, s invitations.Store) int64 {
	t.Helper()
	page, err := s.ListInvitations(context.Background(), invitations.Query{Tenant: "tenant-1", Order: invitations.DefaultOrder, Limit: 1, Count: true})
	if err != nil {
		t.Fatal(err)
	}
	return page.Count
}

// sameError compares *Errors by value, their kinds by identity.
var sameError = cmp.Comparer(func(a, b *invitations.Error) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
})

// replayOf is out as a retry gets it.
func replayOf(out invitations.Outcome) invitations.Outcome {
	out.Replayed = true
	return out
}

// The first request with a key creates the invitation and records it;
// retries get that outcome, as it was then, even once the invitation has
// changed or is gone, and create nothing; another request with the key is
// refused.
func testIdempotentCreate(t *testing.T, s invitations.Store) {
	ctx := context.Background()
	req := keyed(`"a key", with quotes and spaces`, "fingerprint-1")
	inv := invitations.Invitation{Tenant: "tenant-1", Inviter: "urn:li:person:alice", Invitee: "urn:li:person:bob",
		Message: &invitations.Message{Body: "hi"}, TrackingID: "t-1"}
	first := mustCreateKeyed(t, s, inv, req)
	if first.Invitation == nil || first.Refusal != nil || first.Replayed {
		t.Fatalf("CreateInvitationIdempotent = %+v; want the invitation created, not replayed", first)
	}
	stored, err := s.Invitation(ctx, "tenant-1", first.Invitation.ID)
	if err != nil {
		t.Fatalf("Invitation(%s) after the idempotent create: %v", first.Invitation.ID, err)
	}
	want := inv
	want.ID, want.Created, want.LastModified, want.Version = stored.ID, stored.Created, stored.Created, 1
	want.State = invitations.StatePending
	if diff := cmp.Diff(want, stored); diff != "" {
		t.Errorf("the invitation stored (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(stored, *first.Invitation); diff != "" {
		t.Errorf("the outcome's invitation (-stored +outcome):\n%s", diff)
	}

	replay := func(when string) {
		t.Helper()
		out, err := s.CreateInvitationIdempotent(ctx, inv, req)
		if err != nil {
			t.Fatalf("CreateInvitationIdempotent %s: %v", when, err)
		}
		if diff := cmp.Diff(replayOf(first), out, sameError); diff != "" {
			t.Errorf("CreateInvitationIdempotent %s (-first, replayed +got):\n%s", when, diff)
		}
	}
	replay("again")
	// A replay is a copy: changing it changes nothing recorded.
	again, _ := s.CreateInvitationIdempotent(ctx, inv, req)
	again.Invitation.Message.Body = "changed"
	replay("after the caller changed a replay")

	// A snapshot: the invitation's later life does not show.
	updated := stored
	updated.TrackingID = "t-2"
	if _, err := s.UpdateInvitation(ctx, updated, stored.Version); err != nil {
		t.Fatal(err)
	}
	replay("after the invitation was updated")
	if err := s.DeleteInvitation(ctx, "tenant-1", stored.ID, 0); err != nil {
		t.Fatal(err)
	}
	replay("after the invitation was deleted")
	if n := count(t, s); n != 0 {
		t.Errorf("tenant-1 has %d invitations after the replays of a deleted one; want 0", n)
	}

	for _, other := range []invitations.IdempotentRequest{
		keyed(req.Key.Key, "fingerprint-2"),
		{Key: req.Key, Operation: "closeInvitations", Fingerprint: req.Fingerprint},
	} {
		if out, err := s.CreateInvitationIdempotent(ctx, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:carol"), other); !errors.Is(err, invitations.ErrKeyReused) {
			t.Errorf("CreateInvitationIdempotent(%s, %s) with the key = %+v, %v; want ErrKeyReused", other.Operation, other.Fingerprint, out, err)
		}
	}
	if n := count(t, s); n != 0 {
		t.Errorf("tenant-1 has %d invitations after requests refused for their key; want 0", n)
	}
}

// Keys are the caller's: the same key of another subject or tenant is
// another key.
func testIdempotencyScope(t *testing.T, s invitations.Store) {
	base := keyed("shared-key", "fingerprint-1")
	mustCreateKeyed(t, s, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"), base)
	for i, k := range []invitations.IdempotencyKey{
		{Tenant: "tenant-1", Subject: "urn:li:person:bob", Key: base.Key.Key},
		{Tenant: "tenant-2", Subject: base.Key.Subject, Key: base.Key.Key},
		{Tenant: "tenant-1", Subject: base.Key.Subject, Key: base.Key.Key + " "},
	} {
		req := base
		req.Key, req.Fingerprint = k, "fingerprint-2"
		out := mustCreateKeyed(t, s, Invitation(k.Tenant, "urn:li:person:alice", fmt.Sprintf("urn:li:person:guest%d", i)), req)
		if out.Invitation == nil || out.Replayed {
			t.Errorf("CreateInvitationIdempotent(%+v) = %+v; want a new invitation", k, out)
		}
	}
}

// A create that finds its pair taken records the conflict, and creates
// nothing; retries get the conflict, even once the pair is free.
func testIdempotentConflict(t *testing.T, s invitations.Store) {
	ctx := context.Background()
	existing := mustCreate(t, s, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"))
	req := keyed("key-1", "fingerprint-1")
	first := mustCreateKeyed(t, s, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"), req)
	want := invitations.Outcome{Refusal: invitations.ConflictError("urn:li:person:alice", "urn:li:person:bob")}
	if diff := cmp.Diff(want, first, sameError); diff != "" {
		t.Errorf("CreateInvitationIdempotent of a taken pair (-want +got):\n%s", diff)
	}
	if err := s.DeleteInvitation(ctx, "tenant-1", existing.ID, 0); err != nil {
		t.Fatal(err)
	}
	out := mustCreateKeyed(t, s, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"), req)
	if diff := cmp.Diff(replayOf(want), out, sameError); diff != "" {
		t.Errorf("CreateInvitationIdempotent again, the pair free now (-the conflict, replayed +got):\n%s", diff)
	}
	if n := count(t, s); n != 0 {
		t.Errorf("tenant-1 has %d invitations; want 0", n)
	}
}

// A create that fails records nothing: the key stays free for a retry.
func testIdempotentFailure(t *testing.T, s invitations.Store) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	req := keyed("key-1", "fingerprint-1")
	inv := Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob")
	if out, err := s.CreateInvitationIdempotent(cancelled, inv, req); err == nil {
		t.Fatalf("CreateInvitationIdempotent with its context cancelled = %+v; want an error", out)
	}
	if n := count(t, s); n != 0 {
		t.Errorf("tenant-1 has %d invitations after a failed create; want 0", n)
	}
	if out := mustCreateKeyed(t, s, inv, req); out.Invitation == nil || out.Replayed {
		t.Errorf("CreateInvitationIdempotent after a failed one = %+v; want a new invitation", out)
	}
}

// Keys are forgotten after invitations.IdempotencyTTL, and purged.
func testIdempotencyExpiry(t *testing.T, s invitations.Store, clock *Clock) {
	ctx := context.Background()
	p, ok := s.(Purger)
	if !ok {
		t.Fatalf("%T has no PurgeExpiredKeys", s)
	}
	invitee := 0
	create := func(req invitations.IdempotentRequest) (invitations.Outcome, error) {
		invitee++
		return s.CreateInvitationIdempotent(ctx, Invitation("tenant-1", "urn:li:person:alice", fmt.Sprintf("urn:li:person:guest%d", invitee)), req)
	}
	req := keyed("key-1", "fingerprint-1")
	first, err := create(req)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 { // older ones
		if _, err := create(keyed(fmt.Sprintf("old-%d", i), "fingerprint-1")); err != nil {
			t.Fatal(err)
		}
	}
	clock.Add(12 * time.Hour)
	for i := range 2 { // younger ones
		if _, err := create(keyed(fmt.Sprintf("young-%d", i), "fingerprint-1")); err != nil {
			t.Fatal(err)
		}
	}

	clock.Add(12*time.Hour - time.Millisecond)
	if out, err := create(req); err != nil || !cmp.Equal(replayOf(first), out, sameError) {
		t.Errorf("CreateInvitationIdempotent just before the key expires = %+v, %v; want the first outcome replayed", out, err)
	}
	if _, err := create(keyed("key-1", "fingerprint-2")); !errors.Is(err, invitations.ErrKeyReused) {
		t.Errorf("CreateInvitationIdempotent for another request just before the key expires = %v; want ErrKeyReused", err)
	}
	if n, err := p.PurgeExpiredKeys(ctx); n != 0 || err != nil {
		t.Errorf("PurgeExpiredKeys before any key expired = %d, %v; want 0", n, err)
	}
	clock.Add(time.Millisecond)
	// Expired, the key is new again, whether purged or not, and for any request.
	if out, err := create(keyed("key-1", "fingerprint-2")); err != nil || out.Invitation == nil || out.Replayed {
		t.Errorf("CreateInvitationIdempotent for another request once the key expired = %+v, %v; want a new invitation", out, err)
	}
	if n, err := p.PurgeExpiredKeys(ctx); n != 3 || err != nil {
		t.Errorf("PurgeExpiredKeys after 24 h = %d, %v; want the 3 older keys", n, err)
	}
	if n, err := p.PurgeExpiredKeys(ctx); n != 0 || err != nil {
		t.Errorf("PurgeExpiredKeys again = %d, %v; want 0", n, err)
	}
	clock.Add(12 * time.Hour)
	if n, err := p.PurgeExpiredKeys(ctx); n != 2 || err != nil {
		t.Errorf("PurgeExpiredKeys 12 h later = %d, %v; want the 2 younger keys", n, err)
	}
	// Renewed 12 h ago, the key was not purged.
	if _, err := create(keyed("key-1", "fingerprint-3")); !errors.Is(err, invitations.ErrKeyReused) {
		t.Errorf("CreateInvitationIdempotent of the renewed key for another request = %v; want ErrKeyReused", err)
	}
}

// Many requests with one key at once: one creates the invitation; each
// other one gets its outcome, replayed, or (on an engine that can tell) is
// told that the first is in progress.
func testIdempotencyConcurrent(t *testing.T, s invitations.Store) {
	const n = 16
	var (
		wg                  sync.WaitGroup
		mu                  sync.Mutex
		created, inProgress int
		first               invitations.Outcome
		replays             []invitations.Outcome
	)
	for range n {
		wg.Go(func() {
			out, err := s.CreateInvitationIdempotent(context.Background(),
				Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"), keyed("key-1", "fingerprint-1"))
			mu.Lock()
			defer mu.Unlock()
			var e *invitations.Error
			switch {
			case err == nil && out.Replayed:
				replays = append(replays, out)
			case err == nil && out.Invitation != nil:
				created++
				first = out
			case errors.Is(err, invitations.ErrConflict) && errors.As(err, &e) && e.Target == "Idempotency-Key":
				inProgress++
			default:
				t.Errorf("CreateInvitationIdempotent = %+v, %v; want an invitation, a replay or the key in progress", out, err)
			}
		})
	}
	wg.Wait()
	if created != 1 || inProgress+len(replays) != n-1 {
		t.Errorf("%d requests with one key: %d created, %d in progress, %d replays; want 1 created", n, created, inProgress, len(replays))
	}
	for _, r := range replays {
		if diff := cmp.Diff(replayOf(first), r, sameError); diff != "" {
			t.Errorf("a replay differs from the first outcome (-first, replayed +replay):\n%s", diff)
		}
	}
	if got := count(t, s); got != 1 {
		t.Errorf("tenant-1 has %d invitations; want 1", got)
	}
}
