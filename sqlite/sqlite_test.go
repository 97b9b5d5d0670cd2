package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

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
