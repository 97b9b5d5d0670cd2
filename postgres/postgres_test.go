package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

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
		defer s.Close()
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
