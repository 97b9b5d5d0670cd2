package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/storetest"
)

// Reads by id from many goroutines while the writer creates and updates:
// each read sees a whole row of one committed version (the tracking id the
// update of that version wrote), or no row before its create. Run with
// -race, it also checks that a connection of the reads is used by one
// goroutine at a time.
func TestGetWhileWriting(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "invitations.db"))
	hot, err := s.CreateInvitation(ctx, storetest.Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"))
	if err != nil {
		t.Fatal(err)
	}
	const (
		updates = 100
		creates = 100
		readers = 8
	)
	var (
		mu      sync.Mutex
		created []invitations.Invitation // as CreateInvitation answered, for the readers
	)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(done)
		for i := range updates {
			inv := hot
			inv.TrackingID = fmt.Sprintf("t%d", i+2) // the version it makes
			if _, err := s.UpdateInvitation(ctx, inv, int64(i+1)); err != nil {
				t.Errorf("UpdateInvitation %d: %v", i, err)
				return
			}
			if i < creates {
				inv, err := s.CreateInvitation(ctx, storetest.Invitation("tenant-1", "urn:li:person:carol", fmt.Sprintf("urn:li:person:p%d", i)))
				if err != nil {
					t.Errorf("CreateInvitation %d: %v", i, err)
					return
				}
				mu.Lock()
				created = append(created, inv)
				mu.Unlock()
			}
		}
	}()
	for r := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-done:
					return
				default:
				}
				got, err := s.Invitation(ctx, "tenant-1", hot.ID)
				if err != nil {
					t.Errorf("Invitation(hot) = %v", err)
					return
				}
				if want := fmt.Sprintf("t%d", got.Version); got.Version > 1 && got.TrackingID != want {
					t.Errorf("Invitation(hot) at version %d has tracking id %q; want %q", got.Version, got.TrackingID, want)
					return
				}
				mu.Lock()
				var want invitations.Invitation
				if len(created) > 0 {
					want = created[(n*readers+r)%len(created)]
				}
				mu.Unlock()
				if want.ID == "" {
					continue
				}
				got, err = s.Invitation(ctx, "tenant-1", want.ID)
				if err != nil {
					t.Errorf("Invitation(%s) after its create = %v", want.ID, err)
					return
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("Invitation(%s) (-want +got):\n%s", want.ID, diff)
					return
				}
				if _, err := s.Invitation(ctx, "tenant-1", fmt.Sprintf("missing-%d-%d", r, n)); !errors.Is(err, invitations.ErrNotFound) {
					t.Errorf("Invitation(missing) = %v; want ErrNotFound", err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// A read by id sees at once what another Store on the file (as another
// process would) has committed: its create, its update, its delete.
func TestGetSeesAnotherStoresWrite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "invitations.db")
	reader, writer := open(t, path), open(t, path)
	// The read's connections are open, and have read the file, before the
	// other Store writes (the pool hands them out in turn).
	for range 100 {
		if _, err := reader.Invitation(ctx, "tenant-1", "none"); !errors.Is(err, invitations.ErrNotFound) {
			t.Fatalf("Invitation before the create = %v; want ErrNotFound", err)
		}
	}
	created, err := writer.CreateInvitation(ctx, storetest.Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"))
	if err != nil {
		t.Fatal(err)
	}
	inv := created
	got, err := reader.Invitation(ctx, "tenant-1", inv.ID)
	if err != nil {
		t.Fatalf("Invitation after the other Store's create = %v", err)
	}
	if diff := cmp.Diff(created, got); diff != "" {
		t.Errorf("Invitation after the other Store's create (-want +got):\n%s", diff)
	}
	created.Message = nil
	updated, err := writer.UpdateInvitation(ctx, created, created.Version)
	if err != nil {
		t.Fatal(err)
	}
	got, err = reader.Invitation(ctx, "tenant-1", inv.ID)
	if err != nil {
		t.Fatalf("Invitation after the other Store's update = %v", err)
	}
	if diff := cmp.Diff(updated, got); diff != "" {
		t.Errorf("Invitation after the other Store's update (-want +got):\n%s", diff)
	}
	if err := writer.DeleteInvitation(ctx, "tenant-1", inv.ID, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := reader.Invitation(ctx, "tenant-1", inv.ID); !errors.Is(err, invitations.ErrNotFound) {
		t.Errorf("Invitation after the other Store's delete = %v; want ErrNotFound", err)
	}
}

// Reads running while the Store closes each answer the invitation, or
// ErrUnavailable once the Store is closing; Close waits for those under way
// (under -race, a connection closed under a read would show).
func TestGetWhileClosing(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "invitations.db"))
	inv, err := s.CreateInvitation(ctx, storetest.Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"))
	if err != nil {
		t.Fatal(err)
	}
	var wg, started sync.WaitGroup
	for range 8 {
		wg.Add(1)
		started.Add(1)
		go func() {
			defer wg.Done()
			var once sync.Once
			defer once.Do(started.Done) // if it stops early
			for n := 0; ; n++ {
				if n == 10 {
					once.Do(started.Done)
				}
				got, err := s.Invitation(ctx, "tenant-1", inv.ID)
				if errors.Is(err, invitations.ErrUnavailable) {
					return
				}
				if err != nil || got.ID != inv.ID {
					t.Errorf("Invitation while closing = %+v, %v; want the invitation or ErrUnavailable", got, err)
					return
				}
			}
		}()
	}
	started.Wait()
	if err := s.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
	wg.Wait()
	if _, err := s.Invitation(ctx, "tenant-1", inv.ID); !errors.Is(err, invitations.ErrUnavailable) {
		t.Errorf("Invitation on a closed store = %v; want ErrUnavailable", err)
	}
}
