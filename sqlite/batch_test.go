package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/sqlite"
	"github.com/graph-linkedin/invitations/storetest"
)

// Concurrent writes share transactions, and a failing one (a conflict)
// fails alone: the others in its batch are stored.
func TestGroupCommit(t *testing.T) {
	var batches, written atomic.Int64
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "invitations.db"), sqlite.Options{
		OnBatch: func(n int) { batches.Add(1); written.Add(int64(n)) },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	const writers, each = 32, 20
	var wg sync.WaitGroup
	var created, conflicts atomic.Int64
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				// Every writer also tries one pair that writer 0 owns.
				invitee := fmt.Sprintf("urn:li:person:w%di%d", w, i)
				if i == each-1 {
					invitee = "urn:li:person:shared"
				}
				_, err := s.CreateInvitation(context.Background(), storetest.Invitation("tenant-1", "urn:li:person:alice", invitee))
				switch {
				case err == nil:
					created.Add(1)
				case errors.Is(err, invitations.ErrConflict):
					conflicts.Add(1)
				default:
					t.Errorf("CreateInvitation: %v", err)
				}
			}
		})
	}
	wg.Wait()
	if want := int64(writers*(each-1) + 1); created.Load() != want || conflicts.Load() != writers-1 {
		t.Errorf("created %d, conflicts %d; want %d and %d", created.Load(), conflicts.Load(), want, writers-1)
	}
	page, err := s.ListInvitations(context.Background(), invitations.Query{Tenant: "tenant-1", Order: invitations.DefaultOrder, Limit: 1, Count: true})
	if err != nil || page.Count != created.Load() {
		t.Errorf("stored %d (%v); want %d", page.Count, err, created.Load())
	}
	if batches.Load() >= written.Load() {
		t.Logf("%d writes in %d batches: no batching happened this run", written.Load(), batches.Load())
	} else {
		t.Logf("%d writes in %d batches", written.Load(), batches.Load())
	}
}

// A closed store refuses writes at once instead of queueing them.
func TestWriteAfterClose(t *testing.T) {
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "invitations.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s.Close() // twice is fine
	_, err = s.CreateInvitation(context.Background(), storetest.Invitation("t", "urn:li:person:a", "urn:li:person:b"))
	if !errors.Is(err, invitations.ErrUnavailable) {
		t.Errorf("CreateInvitation after Close = %v; want ErrUnavailable", err)
	}
}
