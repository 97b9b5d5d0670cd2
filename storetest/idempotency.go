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

// lease is the claims' lease in these tests.
const lease = 30 * time.Second

// claim is a claim on key of alice in tenant-1, for the request fingerprint,
// with a token of its own.
func claim(key, fingerprint string) invitations.IdempotencyClaim {
	return invitations.IdempotencyClaim{
		Key:         invitations.IdempotencyKey{Tenant: "tenant-1", Subject: "urn:li:person:alice", Key: key},
		Fingerprint: fingerprint,
		Token:       uuid.NewString(),
	}
}

// respond renders responses as a server would, with a body that is not
// text (every byte value), to see that it is kept byte for byte.
func respond(created invitations.Invitation, err error) (invitations.StoredResponse, error) {
	if err != nil {
		return invitations.StoredResponse{Status: 409, Body: []byte(err.Error())}, nil
	}
	body := []byte(`{"id":"` + created.ID + `"}`)
	for b := range 256 {
		body = append(body, byte(b))
	}
	return invitations.StoredResponse{Status: 201, Location: "/v1.0/linkedIn/invitations/" + created.ID,
		ETag: fmt.Sprintf(`"%d"`, created.Version), Body: body}, nil
}

// createdID reads the id respond put in a 201's body.
func createdID(t *testing.T, r invitations.StoredResponse) string {
	t.Helper()
	const prefix = `{"id":"`
	if r.Status != 201 || len(r.Body) < len(prefix)+36 {
		t.Fatalf("response %d %q; want a 201 of respond's", r.Status, r.Body)
	}
	return string(r.Body[len(prefix) : len(prefix)+36])
}

// mustClaim claims c's key, failing the test unless it is claimed.
func mustClaim(t *testing.T, s invitations.Store, c invitations.IdempotencyClaim) {
	t.Helper()
	stored, err := s.ClaimIdempotencyKey(context.Background(), c, lease)
	if stored != nil || err != nil {
		t.Fatalf("ClaimIdempotencyKey(%q) = %v, %v; want it claimed", c.Key.Key, stored, err)
	}
}

// mustComplete creates inv under c, failing the test on an error.
func mustComplete(t *testing.T, s invitations.Store, inv invitations.Invitation, c invitations.IdempotencyClaim) invitations.StoredResponse {
	t.Helper()
	res, err := s.CreateInvitationIdempotent(context.Background(), inv, c, respond)
	if err != nil {
		t.Fatalf("CreateInvitationIdempotent(%q): %v", c.Key.Key, err)
	}
	return res
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

// A key is claimed once; its request's response is recorded with the
// invitation; retries get that response, exactly; another request with the
// key is refused.
func testIdempotentCreate(t *testing.T, s invitations.Store) {
	ctx := context.Background()
	first := claim(`"a key", with quotes and spaces`, "fingerprint-1")
	mustClaim(t, s, first)

	retry := first
	retry.Token = uuid.NewString()
	if stored, err := s.ClaimIdempotencyKey(ctx, retry, lease); stored != nil || !errors.Is(err, invitations.ErrConflict) {
		t.Errorf("ClaimIdempotencyKey while the first request runs = %v, %v; want ErrConflict", stored, err)
	}

	inv := invitations.Invitation{Tenant: "tenant-1", Inviter: "urn:li:person:alice", Invitee: "urn:li:person:bob",
		Message: &invitations.Message{Body: "hi"}, TrackingID: "t-1"}
	res := mustComplete(t, s, inv, first)
	id := createdID(t, res)
	got, err := s.Invitation(ctx, "tenant-1", id)
	if err != nil {
		t.Fatalf("Invitation(%s) after the idempotent create: %v", id, err)
	}
	want := inv
	want.ID, want.Created, want.LastModified, want.Version = id, got.Created, got.Created, 1
	want.State = invitations.StatePending
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the invitation created (-want +got):\n%s", diff)
	}
	if res.ETag != `"1"` || res.Location != "/v1.0/linkedIn/invitations/"+id {
		t.Errorf("recorded Location, ETag = %q, %q; want respond's", res.Location, res.ETag)
	}

	for range 2 {
		stored, err := s.ClaimIdempotencyKey(ctx, retry, lease)
		if err != nil || stored == nil {
			t.Fatalf("ClaimIdempotencyKey after the first request completed = %v, %v; want its response", stored, err)
		}
		if diff := cmp.Diff(res, *stored); diff != "" {
			t.Errorf("replayed response (-recorded +replayed):\n%s", diff)
		}
	}
	// A replay is a copy: changing it changes nothing stored.
	stored, _ := s.ClaimIdempotencyKey(ctx, retry, lease)
	stored.Body[0] = 'X'
	if again, _ := s.ClaimIdempotencyKey(ctx, retry, lease); again == nil || again.Body[0] != '{' {
		t.Error("changing a replayed body changed the recorded one")
	}

	other := claim(first.Key.Key, "fingerprint-2")
	if stored, err := s.ClaimIdempotencyKey(ctx, other, lease); stored != nil || !errors.Is(err, invitations.ErrKeyReused) {
		t.Errorf("ClaimIdempotencyKey with another fingerprint = %v, %v; want ErrKeyReused", stored, err)
	}
	// The completed claim is spent: it can neither record again nor release.
	if _, err := s.CreateInvitationIdempotent(ctx, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:carol"), first, respond); !errors.Is(err, invitations.ErrConflict) {
		t.Errorf("CreateInvitationIdempotent with a completed claim = %v; want ErrConflict", err)
	}
	if err := s.ReleaseIdempotencyKey(ctx, first); err != nil {
		t.Errorf("ReleaseIdempotencyKey of a completed claim: %v", err)
	}
	if stored, err := s.ClaimIdempotencyKey(ctx, retry, lease); stored == nil || err != nil {
		t.Errorf("ClaimIdempotencyKey after releasing a completed claim = %v, %v; want the response still", stored, err)
	}
	if n := count(t, s); n != 1 {
		t.Errorf("tenant-1 has %d invitations; want 1", n)
	}
}

// Keys are the caller's: the same key of another subject or tenant is
// another key.
func testIdempotencyScope(t *testing.T, s invitations.Store) {
	base := claim("shared-key", "fingerprint-1")
	mustClaim(t, s, base)
	for _, k := range []invitations.IdempotencyKey{
		{Tenant: "tenant-1", Subject: "urn:li:person:bob", Key: base.Key.Key},
		{Tenant: "tenant-2", Subject: base.Key.Subject, Key: base.Key.Key},
		{Tenant: "tenant-1", Subject: base.Key.Subject, Key: base.Key.Key + " "},
	} {
		c := base
		c.Key, c.Token, c.Fingerprint = k, uuid.NewString(), "fingerprint-2"
		mustClaim(t, s, c)
	}
}

// A create that finds its pair taken records the conflict's response, and
// creates nothing.
func testIdempotentConflict(t *testing.T, s invitations.Store) {
	ctx := context.Background()
	existing := mustCreate(t, s, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"))
	c := claim("key-1", "fingerprint-1")
	mustClaim(t, s, c)
	res := mustComplete(t, s, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"), c)
	if res.Status != 409 || len(res.Body) == 0 {
		t.Errorf("recorded %d %q; want respond's 409 for the conflict", res.Status, res.Body)
	}
	// The conflict's response stays, even once the pair is free again.
	if err := s.DeleteInvitation(ctx, "tenant-1", existing.ID, 0); err != nil {
		t.Fatal(err)
	}
	retry := c
	retry.Token = uuid.NewString()
	stored, err := s.ClaimIdempotencyKey(ctx, retry, lease)
	if err != nil || stored == nil || !cmp.Equal(*stored, res) {
		t.Errorf("ClaimIdempotencyKey after a recorded conflict = %v, %v; want the 409 again", stored, err)
	}
	if n := count(t, s); n != 0 {
		t.Errorf("tenant-1 has %d invitations; want 0", n)
	}
}

// A released claim frees the key for a retry; only its holder releases it.
func testIdempotencyRelease(t *testing.T, s invitations.Store) {
	ctx := context.Background()
	c := claim("key-1", "fingerprint-1")
	mustClaim(t, s, c)
	stranger := c
	stranger.Token = uuid.NewString()
	if err := s.ReleaseIdempotencyKey(ctx, stranger); err != nil {
		t.Fatalf("ReleaseIdempotencyKey by another token: %v", err)
	}
	if _, err := s.ClaimIdempotencyKey(ctx, stranger, lease); !errors.Is(err, invitations.ErrConflict) {
		t.Errorf("ClaimIdempotencyKey after another token's release = %v; want ErrConflict, the key still held", err)
	}
	if err := s.ReleaseIdempotencyKey(ctx, c); err != nil {
		t.Fatalf("ReleaseIdempotencyKey: %v", err)
	}
	// Released, the key is free, for the same request or another.
	retry := claim("key-1", "fingerprint-2")
	mustClaim(t, s, retry)
	if _, err := s.CreateInvitationIdempotent(ctx, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"), c, respond); !errors.Is(err, invitations.ErrConflict) {
		t.Errorf("CreateInvitationIdempotent with a released claim = %v; want ErrConflict", err)
	}
	mustComplete(t, s, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"), retry)
	if n := count(t, s); n != 1 {
		t.Errorf("tenant-1 has %d invitations; want 1", n)
	}
}

// A claim whose request died holds the key only for its lease; then a retry
// takes it over, and the late first request can no longer record or create.
func testIdempotencyLease(t *testing.T, s invitations.Store, clock *Clock) {
	ctx := context.Background()
	first := claim("key-1", "fingerprint-1")
	mustClaim(t, s, first)
	retry := first
	retry.Token = uuid.NewString()

	clock.Add(lease - time.Millisecond)
	if _, err := s.ClaimIdempotencyKey(ctx, retry, lease); !errors.Is(err, invitations.ErrConflict) {
		t.Errorf("ClaimIdempotencyKey within the lease = %v; want ErrConflict", err)
	}
	other := claim("key-1", "fingerprint-2")
	clock.Add(time.Millisecond)
	if _, err := s.ClaimIdempotencyKey(ctx, other, lease); !errors.Is(err, invitations.ErrKeyReused) {
		t.Errorf("ClaimIdempotencyKey for another request after the lease = %v; want ErrKeyReused", err)
	}
	mustClaim(t, s, retry)

	inv := Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob")
	if _, err := s.CreateInvitationIdempotent(ctx, inv, first, respond); !errors.Is(err, invitations.ErrConflict) {
		t.Errorf("CreateInvitationIdempotent by the claim taken over = %v; want ErrConflict", err)
	}
	if n := count(t, s); n != 0 {
		t.Fatalf("the claim taken over created an invitation")
	}
	res := mustComplete(t, s, inv, retry)
	if stored, err := s.ClaimIdempotencyKey(ctx, first, lease); err != nil || stored == nil || !cmp.Equal(*stored, res) {
		t.Errorf("ClaimIdempotencyKey after the retry completed = %v, %v; want the retry's response", stored, err)
	}
}

// Keys are forgotten after invitations.IdempotencyTTL, and purged.
func testIdempotencyExpiry(t *testing.T, s invitations.Store, clock *Clock) {
	ctx := context.Background()
	p, ok := s.(Purger)
	if !ok {
		t.Fatalf("%T has no PurgeExpiredKeys", s)
	}
	c := claim("key-1", "fingerprint-1")
	mustClaim(t, s, c)
	res := mustComplete(t, s, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"), c)
	for i := range 3 { // older ones
		mustClaim(t, s, claim(fmt.Sprintf("old-%d", i), "fingerprint-1"))
	}
	clock.Add(12 * time.Hour)
	for i := range 2 { // younger ones
		mustClaim(t, s, claim(fmt.Sprintf("young-%d", i), "fingerprint-1"))
	}

	clock.Add(12*time.Hour - time.Millisecond)
	if stored, err := s.ClaimIdempotencyKey(ctx, c, lease); err != nil || stored == nil || !cmp.Equal(*stored, res) {
		t.Errorf("ClaimIdempotencyKey just before the key expires = %v, %v; want the response", stored, err)
	}
	if n, err := p.PurgeExpiredKeys(ctx); n != 0 || err != nil {
		t.Errorf("PurgeExpiredKeys before any key expired = %d, %v; want 0", n, err)
	}
	clock.Add(time.Millisecond)
	// Expired, the key is new again, whether purged or not, and for any request.
	renewed := claim("key-1", "fingerprint-2")
	mustClaim(t, s, renewed)
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
	if _, err := s.ClaimIdempotencyKey(ctx, claim("key-1", "fingerprint-3"), lease); !errors.Is(err, invitations.ErrKeyReused) {
		t.Errorf("ClaimIdempotencyKey of the renewed key for another request = %v; want ErrKeyReused", err)
	}
}

// Many requests with one key at once: one creates, the others are told it
// is in progress or, once it is complete, get its response.
func testIdempotencyConcurrent(t *testing.T, s invitations.Store) {
	const n = 16
	var (
		wg                  sync.WaitGroup
		mu                  sync.Mutex
		created, inProgress int
		recorded            invitations.StoredResponse
		replays             []invitations.StoredResponse
	)
	for range n {
		wg.Go(func() {
			ctx := context.Background()
			c := claim("key-1", "fingerprint-1")
			stored, err := s.ClaimIdempotencyKey(ctx, c, lease)
			if err == nil && stored == nil {
				res, err := s.CreateInvitationIdempotent(ctx, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"), c, respond)
				if err != nil {
					t.Errorf("CreateInvitationIdempotent: %v", err)
				}
				mu.Lock()
				created++
				recorded = res
				mu.Unlock()
				return
			}
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, invitations.ErrConflict):
				inProgress++
			case err == nil:
				replays = append(replays, *stored)
			default:
				t.Errorf("ClaimIdempotencyKey: %v", err)
			}
		})
	}
	wg.Wait()
	if created != 1 || inProgress+len(replays) != n-1 {
		t.Errorf("%d requests with one key: %d created, %d in progress, %d replays; want 1 created", n, created, inProgress, len(replays))
	}
	for _, r := range replays {
		if !cmp.Equal(r, recorded) {
			t.Errorf("a replay differs from the recorded response: %d %q", r.Status, r.Body)
		}
	}
	if got := count(t, s); got != 1 {
		t.Errorf("tenant-1 has %d invitations; want 1", got)
	}
}

// Many retries at once after a lease lapsed: exactly one takes the key over.
func testIdempotencyConcurrentTakeover(t *testing.T, s invitations.Store, clock *Clock) {
	mustClaim(t, s, claim("key-1", "fingerprint-1"))
	clock.Add(lease)
	const n = 16
	var (
		wg          sync.WaitGroup
		mu          sync.Mutex
		taken, held int
	)
	for range n {
		wg.Go(func() {
			stored, err := s.ClaimIdempotencyKey(context.Background(), claim("key-1", "fingerprint-1"), lease)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && stored == nil:
				taken++
			case errors.Is(err, invitations.ErrConflict):
				held++
			default:
				t.Errorf("ClaimIdempotencyKey = %v, %v", stored, err)
			}
		})
	}
	wg.Wait()
	if taken != 1 || held != n-1 {
		t.Errorf("%d retries after the lease: %d took the key, %d found it held; want 1 and %d", n, taken, held, n-1)
	}
}

// A response that cannot be rendered undoes the create; the claim still
// holds the key, to release.
func testIdempotentRespondFails(t *testing.T, s invitations.Store) {
	ctx := context.Background()
	c := claim("key-1", "fingerprint-1")
	mustClaim(t, s, c)
	broken := errors.New("cannot render")
	fail := func(invitations.Invitation, error) (invitations.StoredResponse, error) {
		return invitations.StoredResponse{}, broken
	}
	if _, err := s.CreateInvitationIdempotent(ctx, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"), c, fail); !errors.Is(err, broken) {
		t.Errorf("CreateInvitationIdempotent with a failing responder = %v; want its error", err)
	}
	if n := count(t, s); n != 0 {
		t.Errorf("tenant-1 has %d invitations; want 0", n)
	}
	if err := s.ReleaseIdempotencyKey(ctx, c); err != nil {
		t.Fatal(err)
	}
	retry := claim("key-1", "fingerprint-1")
	mustClaim(t, s, retry)
	mustComplete(t, s, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"), retry)
}
