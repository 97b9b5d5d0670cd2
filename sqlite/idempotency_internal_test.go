package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pressly/goose/v3"

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

// keyOrder orders the keys the Go client sends, lowercase UUIDv7s, by
// their time, and gives every other key 0; migration 00008's GLOB pattern
// matches exactly the keys it orders.
func TestKeyOrder(t *testing.T) {
	for _, c := range []struct {
		key  string
		want int64
	}{
		{"019abf3c-5e21-7a4b-8c3d-0123456789ab", 0x019abf3c5e21a4b},
		{"019abf3c-5e21-7fff-bfff-ffffffffffff", 0x019abf3c5e21fff},
		{"00000000-0000-7000-9000-000000000000", 0},
		{"019ABF3C-5E21-7A4B-8C3D-0123456789AB", 0}, // uppercase
		{"019abf3c-5e21-4a4b-8c3d-0123456789ab", 0}, // version 4
		{"019abf3c-5e21-7a4b-cc3d-0123456789ab", 0}, // another variant
		{"019abf3c-5e21-7a4b-8c3d-0123456789a", 0},  // short
		{"019abf3c-5e21-7a4b-8c3d-0123456789abc", 0},
		{"019abf3c+5e21-7a4b-8c3d-0123456789ab", 0},
		{"019abf3g-5e21-7a4b-8c3d-0123456789ab", 0},
		{"019abf3c-5e21-7a4b-8c3d-0123456789aB", 0},
		{"key-1", 0},
		{"", 0},
	} {
		if got := keyOrder(c.key); got != c.want {
			t.Errorf("keyOrder(%q) = %#x; want %#x", c.key, got, c.want)
		}
	}

	first := uuid.Must(uuid.NewV7()).String()
	time.Sleep(2 * time.Millisecond)
	second := uuid.Must(uuid.NewV7()).String()
	if a, b := keyOrder(first), keyOrder(second); a == 0 || b <= a {
		t.Errorf("keyOrder(%s), keyOrder(%s) made 2 ms later = %#x, %#x; want both above 0, in that order", first, second, a, b)
	}

	up, err := migrations.ReadFile("migrations/00008_idempotency_key_order.sql")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`GLOB '([^']+)'`).FindSubmatch(up)
	if m == nil {
		t.Fatal("00008 has no GLOB pattern")
	}
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "invitations.db"), Options{PurgeEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, key := range []string{first, second, "019abf3c-5e21-7a4b-8c3d-0123456789ab", "019ABF3C-5E21-7A4B-8C3D-0123456789AB",
		"019abf3c-5e21-4a4b-8c3d-0123456789ab", "019abf3c-5e21-7a4b-cc3d-0123456789ab", "019abf3c-5e21-7a4b-8c3d-0123456789abc",
		"019abf3g-5e21-7a4b-8c3d-0123456789ab", uuid.NewString(), "key-1"} {
		var glob bool
		if err := s.reader.QueryRow(`SELECT ? GLOB ?`, key, string(m[1])).Scan(&glob); err != nil {
			t.Fatal(err)
		}
		if ordered := keyOrder(key) != 0; glob != ordered {
			t.Errorf("%q GLOB 00008's pattern = %t; keyOrder orders it: %t", key, glob, ordered)
		}
	}
}

// A database made by the schema before 00008, with live records of a
// UUIDv7 key and of another key, is migrated when opened: a retry of
// either replays its outcome (the first's from the records by key), and a
// new UUIDv7 key is recorded under its order.
func TestMigrateIdempotencyKeyOrder(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "invitations.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dir, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	provider, err := goose.NewProvider(goose.DialectSQLite3, db, dir, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.UpTo(ctx, 7); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var reqs []invitations.IdempotentRequest
	var ids []string
	for i, key := range []string{uuid.Must(uuid.NewV7()).String(), uuid.NewString()} {
		inv := storetest.Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:p"+strconv.Itoa(i)).Stamp(now.Add(-time.Hour))
		outcome, err := invitations.Outcome{Invitation: &inv}.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		req := invitations.IdempotentRequest{Key: invitations.IdempotencyKey{Tenant: "tenant-1", Subject: "urn:li:person:alice", Key: key},
			Operation: invitations.OpCreateInvitation, Fingerprint: "fingerprint-" + strconv.Itoa(i)}
		// 00007's statements, column for column.
		_, err = db.ExecContext(ctx, `
			INSERT INTO invitations (id, tenant, inviter, invitee, has_message, template_id, body, tracking_id, created, last_modified, version)
			VALUES (?, ?, ?, ?, 0, NULL, NULL, NULL, ?, ?, ?)`,
			inv.ID, inv.Tenant, inv.Inviter, inv.Invitee, inv.Created.UnixMilli(), inv.LastModified.UnixMilli(), inv.Version)
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.ExecContext(ctx, `
			INSERT INTO idempotency_records (key_hash, tenant, subject, idempotency_key, operation, fingerprint, outcome, expires)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			keyHash(req.Key), req.Key.Tenant, req.Key.Subject, req.Key.Key, req.Operation, req.Fingerprint, string(outcome),
			now.Add(invitations.IdempotencyTTL-time.Hour).UnixMilli())
		if err != nil {
			t.Fatal(err)
		}
		reqs, ids = append(reqs, req), append(ids, inv.ID)
	}
	db.Close()

	s, err := Open(ctx, path, Options{PurgeEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if byHash, byKey := records(t, s); byHash != 1 || byKey != 1 {
		t.Errorf("records by hash, by key after 00008 = %d, %d; want 1 (the version 4 key), 1 (the version 7 key)", byHash, byKey)
	}
	for i, req := range reqs {
		retry, err := s.CreateInvitationIdempotent(ctx, storetest.Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:carol"), req)
		if err != nil || !retry.Replayed || retry.Invitation == nil || retry.Invitation.ID != ids[i] {
			t.Errorf("retry of %s, recorded before 00008, = %+v, %v; want invitation %s replayed", req.Key.Key, retry, err, ids[i])
		}
	}
	fresh := reqs[0]
	fresh.Key.Key = uuid.Must(uuid.NewV7()).String()
	first, err := s.CreateInvitationIdempotent(ctx, storetest.Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:dan"), fresh)
	if err != nil || first.Replayed {
		t.Fatalf("a new key = %+v, %v; want a new invitation", first, err)
	}
	var order int64
	if err := s.reader.QueryRow(`SELECT key_order FROM idempotency_records WHERE idempotency_key = ?`, fresh.Key.Key).Scan(&order); err != nil || order != keyOrder(fresh.Key.Key) {
		t.Errorf("the new key's key_order = %#x, %v; want %#x", order, err, keyOrder(fresh.Key.Key))
	}
	again, err := s.CreateInvitationIdempotent(ctx, storetest.Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:erin"), fresh)
	if err != nil || !again.Replayed || again.Invitation.ID != first.Invitation.ID {
		t.Errorf("retry of the new key = %+v, %v; want %s replayed", again, err, first.Invitation.ID)
	}
}
