package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/postgres"
	"github.com/graph-linkedin/invitations/postgres/pgtest"
	"github.com/graph-linkedin/invitations/storetest"
)

func open(t *testing.T, dsn string, opts postgres.Options) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), dsn, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Every case runs on a database of its own, so they run in parallel.
func TestStore(t *testing.T) {
	server := pgtest.ServerDSN(t)
	storetest.Run(t, func(t *testing.T, now func() time.Time) invitations.Store {
		return open(t, pgtest.NewDatabase(t, server), postgres.Options{Now: now})
	})
}

// Instances starting together all migrate the same new database and
// succeed: the advisory lock makes them take turns.
func TestConcurrentOpen(t *testing.T) {
	t.Parallel()
	dsn := pgtest.Database(t)
	const n = 6
	errs := make(chan error, n)
	stores := make(chan *postgres.Store, n)
	for range n {
		go func() {
			s, err := postgres.Open(context.Background(), dsn, postgres.Options{MaxConns: 2})
			if err == nil {
				stores <- s
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("Open (one of %d at once) = %v; want success", n, err)
		}
	}
	close(stores)
	var all []*postgres.Store
	for s := range stores {
		t.Cleanup(func() { s.Close() })
		all = append(all, s)
	}
	if len(all) == 0 {
		return
	}
	// They all see one database.
	ctx := context.Background()
	inv, err := all[0].CreateInvitation(ctx, storetest.Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all[1:] {
		if _, err := s.Invitation(ctx, "tenant-1", inv.ID); err != nil {
			t.Errorf("Invitation on another store = %v; want the invitation", err)
		}
	}
}

// Reopening runs no migration twice and keeps what was stored.
func TestReopen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.Database(t)
	s := open(t, dsn, postgres.Options{})
	inv := storetest.Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob")
	if _, err := s.CreateInvitation(ctx, inv); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, dsn, postgres.Options{})
	if _, err := s.CreateInvitation(ctx, inv); !errors.Is(err, invitations.ErrConflict) {
		t.Errorf("CreateInvitation after reopening = %v; want ErrConflict", err)
	}
}

func TestClosed(t *testing.T) {
	t.Parallel()
	s := open(t, pgtest.Database(t), postgres.Options{})
	s.Close()
	inv := storetest.Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob")
	if _, err := s.CreateInvitation(context.Background(), inv); !errors.Is(err, invitations.ErrUnavailable) {
		t.Errorf("CreateInvitation on a closed store = %v; want ErrUnavailable", err)
	}
	if err := s.Ping(context.Background()); !errors.Is(err, invitations.ErrUnavailable) {
		t.Errorf("Ping on a closed store = %v; want ErrUnavailable", err)
	}
}

// Text PostgreSQL cannot store (NUL) is the caller's mistake, not a server
// error. (The domain's Validate refuses it before it gets here.)
func TestUnstorableText(t *testing.T) {
	t.Parallel()
	s := open(t, pgtest.Database(t), postgres.Options{})
	inv := storetest.Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob")
	inv.TrackingID = "a\x00b"
	if _, err := s.CreateInvitation(context.Background(), inv); !errors.Is(err, invitations.ErrInvalid) {
		t.Errorf("CreateInvitation(trackingId with NUL) = %v; want ErrInvalid", err)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if _, err := postgres.Open(ctx, "postgres://%zz", postgres.Options{}); err == nil {
		t.Error("Open(a malformed DSN) = nil; want an error")
	}
	// Nothing listens on port 1.
	_, err := postgres.Open(ctx, "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable",
		postgres.Options{ConnectTimeout: time.Second})
	if !errors.Is(err, invitations.ErrUnavailable) {
		t.Errorf("Open(an unreachable server) = %v; want ErrUnavailable", err)
	}
}

// The database going away makes every call fail fast with ErrUnavailable
// (never hang, never another kind); when it is back, the same Store works
// again.
func TestDatabaseGoesAway(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and stops a PostgreSQL cluster; skipped with -short")
	}
	t.Parallel()
	cluster := pgtest.StartCluster(t)
	s := open(t, cluster.DSN("postgres"), postgres.Options{ConnectTimeout: 2 * time.Second})
	ctx := context.Background()
	inv, err := s.CreateInvitation(ctx, storetest.Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"))
	if err != nil {
		t.Fatal(err)
	}

	cluster.Stop()
	// In this order: the delete comes last.
	calls := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"CreateInvitation", func(ctx context.Context) error {
			_, err := s.CreateInvitation(ctx, storetest.Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:carol"))
			return err
		}},
		{"Invitation", func(ctx context.Context) error { _, err := s.Invitation(ctx, "tenant-1", inv.ID); return err }},
		{"ListInvitations", func(ctx context.Context) error {
			_, err := s.ListInvitations(ctx, invitations.Query{Tenant: "tenant-1", Order: invitations.DefaultOrder, Limit: 10, Count: true})
			return err
		}},
		{"UpdateInvitation", func(ctx context.Context) error { _, err := s.UpdateInvitation(ctx, inv, inv.Version); return err }},
		{"Ping", s.Ping},
		{"DeleteInvitation", func(ctx context.Context) error { return s.DeleteInvitation(ctx, "tenant-1", inv.ID, 0) }},
	}
	for _, c := range calls {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		start := time.Now()
		err := c.call(ctx)
		cancel()
		if !errors.Is(err, invitations.ErrUnavailable) {
			t.Errorf("%s with the database stopped = %v; want ErrUnavailable", c.name, err)
		}
		if d := time.Since(start); d > 4*time.Second {
			t.Errorf("%s with the database stopped took %v; want a quick answer", c.name, d)
		}
	}

	cluster.Start()
	deadline := time.Now().Add(15 * time.Second)
	for s.Ping(ctx) != nil {
		if time.Now().After(deadline) {
			t.Fatal("Ping still fails 15 s after the database came back")
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, c := range calls {
		if err := c.call(ctx); err != nil {
			t.Errorf("%s after the database came back = %v; want success", c.name, err)
		}
	}
}

// A call that waits on the database (here for a row lock another session
// holds) gives up when its context ends, with ErrUnavailable: a request
// never hangs past its timeout.
func TestHonoursDeadline(t *testing.T) {
	t.Parallel()
	dsn := pgtest.Database(t)
	s := open(t, dsn, postgres.Options{})
	ctx := context.Background()
	inv, err := s.CreateInvitation(ctx, storetest.Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"))
	if err != nil {
		t.Fatal(err)
	}
	other, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(ctx)
	tx, err := other.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SELECT 1 FROM invitations WHERE id = $1 FOR UPDATE", inv.ID); err != nil {
		t.Fatal(err)
	}

	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = s.UpdateInvitation(short, inv, inv.Version)
	if !errors.Is(err, invitations.ErrUnavailable) {
		t.Errorf("UpdateInvitation past its deadline = %v; want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("UpdateInvitation took %v with a 300ms deadline", d)
	}
	tx.Rollback(ctx)
	// The store is fine afterwards.
	if _, err := s.UpdateInvitation(ctx, inv, inv.Version); err != nil {
		t.Errorf("UpdateInvitation after the lock is released = %v; want success", err)
	}
}

// A server-side statement_timeout ends a statement too, with ErrUnavailable.
func TestStatementTimeout(t *testing.T) {
	t.Parallel()
	dsn := pgtest.Database(t)
	s := open(t, dsn, postgres.Options{StatementTimeout: 200 * time.Millisecond})
	ctx := context.Background()
	inv, err := s.CreateInvitation(ctx, storetest.Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"))
	if err != nil {
		t.Fatal(err)
	}
	other, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(ctx)
	tx, err := other.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SELECT 1 FROM invitations WHERE id = $1 FOR UPDATE", inv.ID); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := s.DeleteInvitation(ctx, "tenant-1", inv.ID, 0); !errors.Is(err, invitations.ErrUnavailable) {
		t.Errorf("DeleteInvitation past the statement timeout = %v; want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("DeleteInvitation took %v with a 200ms statement timeout", d)
	}
}

// The store purges expired idempotency keys by itself, by its clock.
func TestPurgeLoop(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := storetest.NewClock()
	purged := make(chan int, 100)
	s := open(t, pgtest.Database(t), postgres.Options{
		Now:        clock.Now,
		PurgeEvery: 10 * time.Millisecond,
		OnPurge: func(n int, err error) {
			if err != nil {
				t.Errorf("purge: %v", err)
			}
			purged <- n
		},
	})
	for _, key := range []string{"a", "b", "c"} {
		req := invitations.IdempotentRequest{Key: invitations.IdempotencyKey{Tenant: "t", Subject: "s", Key: key},
			Operation: invitations.OpCreateInvitation, Fingerprint: "f"}
		if _, err := s.CreateInvitationIdempotent(ctx, storetest.Invitation("t", "urn:li:person:a", "urn:li:person:"+key), req); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case n := <-purged:
		t.Fatalf("purged %d keys before any expired", n)
	case <-time.After(100 * time.Millisecond):
	}
	clock.Add(invitations.IdempotencyTTL)
	select {
	case n := <-purged:
		if n != 3 {
			t.Errorf("purged %d keys; want 3", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no purge within 10 s of the keys expiring")
	}
	s.Close()
}

// Recorded outcomes are in the database: another instance replays them.
// While one instance carries out a request with a key, another one is told
// at once that the key is in progress, without waiting for it.
func TestKeysAcrossInstances(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.Database(t)
	a, b := open(t, dsn, postgres.Options{}), open(t, dsn, postgres.Options{})
	req := invitations.IdempotentRequest{Key: invitations.IdempotencyKey{Tenant: "t", Subject: "s", Key: "k"},
		Operation: invitations.OpCreateInvitation, Fingerprint: "f"}
	inv := storetest.Invitation("t", "urn:li:person:a", "urn:li:person:b")

	// Hold A's create inside its transaction, after it took the key.
	hold := pgtest.HoldPair(t, dsn, inv.Tenant, inv.Inviter, inv.Invitee)
	type result struct {
		out invitations.Outcome
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := a.CreateInvitationIdempotent(ctx, inv, req)
		done <- result{out, err}
	}()
	hold.WaitForAdvisoryLock()

	start := time.Now()
	_, err := b.CreateInvitationIdempotent(ctx, inv, req)
	var e *invitations.Error
	if !errors.Is(err, invitations.ErrConflict) || !errors.As(err, &e) || e.Target != "Idempotency-Key" {
		t.Errorf("CreateInvitationIdempotent on B while A carries out the key's request = %v; want ErrConflict about the Idempotency-Key", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("B took %v to say the key is in progress; want an answer at once", d)
	}
	// Another key goes ahead meanwhile.
	otherKey := req
	otherKey.Key.Key = "k2"
	if out, err := b.CreateInvitationIdempotent(ctx, storetest.Invitation("t", "urn:li:person:a", "urn:li:person:c"), otherKey); err != nil || out.Invitation == nil {
		t.Errorf("CreateInvitationIdempotent on B of another key = %+v, %v; want it created", out, err)
	}

	hold.Release()
	first := <-done
	if first.err != nil || first.out.Invitation == nil || first.out.Replayed {
		t.Fatalf("CreateInvitationIdempotent on A = %+v, %v; want the invitation created", first.out, first.err)
	}
	got, err := b.CreateInvitationIdempotent(ctx, inv, req)
	first.out.Replayed = true
	if err != nil || !cmp.Equal(got, first.out) {
		t.Errorf("CreateInvitationIdempotent on B after A = %+v, %v; want A's outcome replayed %+v", got, err, first.out)
	}
}
