package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/sqlite"
	"github.com/graph-linkedin/invitations/storetest"
)

func open(t *testing.T, path string) *sqlite.Store {
	return openWithClock(t, path, nil)
}

func openWithClock(t *testing.T, path string, now func() time.Time) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path, sqlite.Options{Now: now})
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) invitations.Store {
		return openWithClock(t, filepath.Join(t.TempDir(), "invitations.db"), now)
	})
}

// Reopening runs no migration twice and keeps what was stored.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "nested", "dir", "invitations.db")
	s := open(t, path)
	inv := storetest.Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob")
	if _, err := s.CreateInvitation(ctx, inv); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, path)
	if _, err := s.CreateInvitation(ctx, inv); !errors.Is(err, invitations.ErrConflict) {
		t.Errorf("CreateInvitation after reopening = %v; want ErrConflict", err)
	}
}

func TestClosed(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "invitations.db"))
	s.Close()
	inv := storetest.Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob")
	if _, err := s.CreateInvitation(context.Background(), inv); !errors.Is(err, invitations.ErrUnavailable) {
		t.Errorf("CreateInvitation on a closed store = %v; want ErrUnavailable", err)
	}
	if err := s.Ping(context.Background()); !errors.Is(err, invitations.ErrUnavailable) {
		t.Errorf("Ping on a closed store = %v; want ErrUnavailable", err)
	}
}

// The store purges expired idempotency keys by itself, by its clock.
func TestPurgeLoop(t *testing.T) {
	ctx := context.Background()
	clock := storetest.NewClock()
	purged := make(chan int, 100)
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "invitations.db"), sqlite.Options{
		Now:        clock.Now,
		PurgeEvery: 10 * time.Millisecond,
		OnPurge: func(n int, err error) {
			if err != nil {
				t.Errorf("purge: %v", err)
			}
			purged <- n
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
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
	if n, err := s.PurgeExpiredKeys(ctx); n != 0 || err != nil {
		t.Errorf("PurgeExpiredKeys after the store purged = %d, %v; want 0", n, err)
	}
}

// Recorded outcomes survive a restart.
func TestReopenKeepsKeys(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "invitations.db")
	s := open(t, path)
	req := invitations.IdempotentRequest{Key: invitations.IdempotencyKey{Tenant: "t", Subject: "s", Key: "k"},
		Operation: invitations.OpCreateInvitation, Fingerprint: "f"}
	inv := storetest.Invitation("t", "urn:li:person:a", "urn:li:person:b")
	first, err := s.CreateInvitationIdempotent(ctx, inv, req)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, path)
	got, err := s.CreateInvitationIdempotent(ctx, inv, req)
	first.Replayed = true
	if err != nil || !cmp.Equal(got, first) {
		t.Errorf("CreateInvitationIdempotent after reopening = %+v, %v; want %+v", got, err, first)
	}
}
