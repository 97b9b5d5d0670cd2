package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/storetest"
)

// Two keys whose hashes collide are told apart: records are kept under a
// 64-bit hash of the key, and a key whose hash another live key holds is
// recorded by key (see record). A real collision would take billions of
// keys, so these tests give the store a hash under which every key
// collides.

// collide is a hash under which all keys collide.
func collide(invitations.IdempotencyKey) int64 { return 42 }

// openColliding opens a store at path with the clock now (time.Now when
// nil) whose keys all hash alike.
func openColliding(t *testing.T, path string, now func() time.Time) *Store {
	t.Helper()
	s, err := Open(context.Background(), path, Options{Now: now, PurgeEvery: -1})
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	s.keyHash = collide
	return s
}

// The whole conformance suite, its idempotency cases included, passes
// with every key colliding: the first key of a test takes the hash, every
// other is recorded by key.
func TestStoreWithCollidingKeys(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) invitations.Store {
		return openColliding(t, filepath.Join(t.TempDir(), "invitations.db"), now)
	})
}

// records counts the rows of the two tables of records.
func records(t *testing.T, s *Store) (byHash, byKey int) {
	t.Helper()
	err := s.reader.QueryRow(`SELECT (SELECT count(*) FROM idempotency_records), (SELECT count(*) FROM idempotency_records_by_key)`).
		Scan(&byHash, &byKey)
	if err != nil {
		t.Fatal(err)
	}
	return byHash, byKey
}

// A key recorded by key still replays once the record that held its hash
// has expired and been purged (its retry must not run again), and the
// hash it frees goes to the next key.
func TestCollisionOutlivesThePurge(t *testing.T) {
	ctx := context.Background()
	var (
		mu    sync.Mutex
		clock = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); clock = clock.Add(d) }
	s := openColliding(t, filepath.Join(t.TempDir(), "invitations.db"), now)

	keyed := func(key, fingerprint string) invitations.IdempotentRequest {
		return invitations.IdempotentRequest{Key: invitations.IdempotencyKey{Tenant: "tenant-1", Subject: "urn:li:person:alice", Key: key},
			Operation: invitations.OpCreateInvitation, Fingerprint: fingerprint}
	}
	create := func(invitee string, req invitations.IdempotentRequest) (invitations.Outcome, error) {
		return s.CreateInvitationIdempotent(ctx, storetest.Invitation("tenant-1", "urn:li:person:alice", invitee), req)
	}
	mustCreate := func(invitee string, req invitations.IdempotentRequest) invitations.Outcome {
		t.Helper()
		out, err := create(invitee, req)
		if err != nil || out.Invitation == nil {
			t.Fatalf("CreateInvitationIdempotent(%q) = %+v, %v; want an invitation", req.Key.Key, out, err)
		}
		return out
	}

	a := mustCreate("urn:li:person:bob", keyed("key-a", "fingerprint-a"))
	advance(time.Hour)
	b := mustCreate("urn:li:person:carol", keyed("key-b", "fingerprint-b"))
	if b.Replayed || b.Invitation.ID == a.Invitation.ID {
		t.Fatalf("key-b, whose hash key-a holds, = %+v; want a new invitation, not key-a's", b)
	}
	if byHash, byKey := records(t, s); byHash != 1 || byKey != 1 {
		t.Errorf("records by hash, by key = %d, %d; want 1, 1", byHash, byKey)
	}
	for _, k := range []struct {
		req  invitations.IdempotentRequest
		want string
	}{{keyed("key-a", "fingerprint-a"), a.Invitation.ID}, {keyed("key-b", "fingerprint-b"), b.Invitation.ID}} {
		out, err := create("urn:li:person:dan", k.req)
		if err != nil || !out.Replayed || out.Invitation == nil || out.Invitation.ID != k.want {
			t.Errorf("retry of %s = %+v, %v; want %s replayed", k.req.Key.Key, out, err, k.want)
		}
	}
	if _, err := create("urn:li:person:dan", keyed("key-b", "another")); !errors.Is(err, invitations.ErrKeyReused) {
		t.Errorf("key-b with another request: %v; want ErrKeyReused", err)
	}

	// key-a expires (key-b an hour later) and is purged.
	advance(invitations.IdempotencyTTL - 30*time.Minute)
	if n, err := s.PurgeExpiredKeys(ctx); n != 1 || err != nil {
		t.Fatalf("PurgeExpiredKeys = %d, %v; want 1 (key-a)", n, err)
	}
	out, err := create("urn:li:person:erin", keyed("key-b", "fingerprint-b"))
	if err != nil || !out.Replayed || out.Invitation.ID != b.Invitation.ID {
		t.Errorf("retry of key-b after key-a's purge = %+v, %v; want key-b's invitation replayed", out, err)
	}
	c := mustCreate("urn:li:person:frank", keyed("key-c", "fingerprint-c"))
	if c.Replayed {
		t.Errorf("key-c = %+v; want a new invitation", c)
	}
	if byHash, byKey := records(t, s); byHash != 1 || byKey != 1 {
		t.Errorf("records by hash (key-c), by key (key-b) = %d, %d; want 1, 1", byHash, byKey)
	}

	// A close under a key whose hash key-c holds is recorded by key too.
	caller := invitations.Caller{Tenant: "tenant-1", Subject: "urn:li:person:frank", Scopes: []string{invitations.PermReadWrite}}
	closeReq := invitations.IdempotentRequest{Key: invitations.IdempotencyKey{Tenant: "tenant-1", Subject: caller.Subject, Key: "key-d"},
		Operation: invitations.OpCloseInvitations, Fingerprint: "fingerprint-d"}
	r := invitations.CloseRequest{Caller: caller, Action: invitations.ActionAccept, IDs: []string{c.Invitation.ID}}
	first, err := s.CloseInvitationsIdempotent(ctx, r, closeReq)
	if err != nil || first.Replayed || len(first.CloseResults) != 1 || !first.CloseResults[0].Changed {
		t.Fatalf("CloseInvitationsIdempotent(key-d) = %+v, %v; want the invitation accepted", first, err)
	}
	again, err := s.CloseInvitationsIdempotent(ctx, r, closeReq)
	if err != nil || !again.Replayed || len(again.CloseResults) != 1 || !again.CloseResults[0].Changed {
		t.Errorf("retry of key-d = %+v, %v; want the accept replayed", again, err)
	}

	// Everything expires: both tables are purged.
	advance(invitations.IdempotencyTTL + time.Hour)
	if n, err := s.PurgeExpiredKeys(ctx); n != 3 || err != nil {
		t.Errorf("PurgeExpiredKeys = %d, %v; want 3 (key-b, key-c, key-d)", n, err)
	}
	if byHash, byKey := records(t, s); byHash != 0 || byKey != 0 {
		t.Errorf("records by hash, by key after the purge = %d, %d; want none", byHash, byKey)
	}
}

// The hash is the key's, stable across processes and versions (records
// are kept under it), and tells fields apart.
func TestKeyHash(t *testing.T) {
	k := invitations.IdempotencyKey{Tenant: "tenant-1", Subject: "urn:li:person:alice", Key: "key-1"}
	if got, want := keyHash(k), keyHash(k); got != want {
		t.Errorf("keyHash twice = %d, %d", got, want)
	}
	for _, other := range []invitations.IdempotencyKey{
		{Tenant: "tenant-1", Subject: "urn:li:person:alicekey-1", Key: ""},
		{Tenant: "tenant-2", Subject: "urn:li:person:alice", Key: "key-1"},
		{Tenant: "tenant-1", Subject: "urn:li:person:alice", Key: "key-2"},
	} {
		if keyHash(other) == keyHash(k) {
			t.Errorf("keyHash(%+v) = keyHash(%+v)", other, k)
		}
	}
	// Fixed: a record written by this version is found by the next (the
	// value computed apart: SHA-256 of "\x08tenant-1\x13urn:li:person:alice\x05key-1").
	if got, want := keyHash(k), int64(4355203775036903121); got != want {
		t.Errorf("keyHash(%+v) = %d; want %d", k, got, want)
	}
}
