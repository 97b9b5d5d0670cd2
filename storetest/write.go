package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations"
)

func testUpdate(t *testing.T, s invitations.Store) {
	ctx := context.Background()
	orig := mustCreate(t, s, invitations.Invitation{Tenant: "tenant-1", Inviter: "urn:li:person:alice",
		Invitee: "urn:li:person:bob", Message: &invitations.Message{Body: "hi"}, TrackingID: "t-1"})

	next := orig
	next.Message = &invitations.Message{TemplateID: "urn:li:invitationTemplate:7"}
	next.TrackingID = ""
	updated, err := s.UpdateInvitation(ctx, next, orig.Version)
	if err != nil {
		t.Fatalf("UpdateInvitation: %v", err)
	}
	if updated.Version != orig.Version+1 || !updated.LastModified.After(orig.LastModified) && !updated.LastModified.Equal(orig.LastModified.Add(1e6)) {
		t.Errorf("Version, LastModified = %d, %v; want %d and later than %v", updated.Version, updated.LastModified, orig.Version+1, orig.LastModified)
	}
	want := next
	want.Version, want.LastModified = updated.Version, updated.LastModified
	if diff := cmp.Diff(want, updated); diff != "" {
		t.Errorf("UpdateInvitation (-want +got):\n%s", diff)
	}
	if got, _ := s.Invitation(ctx, "tenant-1", orig.ID); !cmp.Equal(got, updated) {
		t.Errorf("Invitation after update = %+v; want %+v", got, updated)
	}

	// The version it was read at is stale now: nothing changes.
	stale := orig
	stale.TrackingID = "stale"
	if _, err := s.UpdateInvitation(ctx, stale, orig.Version); !errors.Is(err, invitations.ErrPreconditionFailed) {
		t.Errorf("UpdateInvitation(stale version) = %v; want ErrPreconditionFailed", err)
	}
	if got, _ := s.Invitation(ctx, "tenant-1", orig.ID); !cmp.Equal(got, updated) {
		t.Errorf("a refused update changed the invitation to %+v", got)
	}

	// Immutable properties stay as they were, whatever the argument says.
	sneaky := updated
	sneaky.Inviter, sneaky.Invitee = "urn:li:person:mallory", "urn:li:person:eve"
	after, err := s.UpdateInvitation(ctx, sneaky, updated.Version)
	if err != nil {
		t.Fatalf("UpdateInvitation: %v", err)
	}
	if after.Inviter != orig.Inviter || after.Invitee != orig.Invitee || !after.Created.Equal(orig.Created) {
		t.Errorf("update changed inviter, invitee or created: %+v", after)
	}

	missing := orig
	missing.ID = "3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60"
	if _, err := s.UpdateInvitation(ctx, missing, 1); !errors.Is(err, invitations.ErrNotFound) {
		t.Errorf("UpdateInvitation(missing) = %v; want ErrNotFound", err)
	}
	otherTenant := after
	otherTenant.Tenant = "tenant-2"
	if _, err := s.UpdateInvitation(ctx, otherTenant, after.Version); !errors.Is(err, invitations.ErrNotFound) {
		t.Errorf("UpdateInvitation(another tenant's) = %v; want ErrNotFound", err)
	}
}

// lastModified moves forward on every update even when the clock does not.
func testLastModifiedMovesForward(t *testing.T, s invitations.Store) {
	inv := mustCreate(t, s, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"))
	for i := range 3 {
		inv.TrackingID = string(rune('a' + i))
		updated, err := s.UpdateInvitation(context.Background(), inv, inv.Version)
		if err != nil {
			t.Fatalf("UpdateInvitation: %v", err)
		}
		if !updated.LastModified.After(inv.LastModified) {
			t.Errorf("LastModified = %v after an update; want later than %v", updated.LastModified, inv.LastModified)
		}
		inv = updated
	}
}

// Concurrent updates from the same version: exactly one succeeds.
func testUpdateConcurrent(t *testing.T, s invitations.Store) {
	orig := mustCreate(t, s, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"))
	const n = 16
	var (
		wg          sync.WaitGroup
		mu          sync.Mutex
		ok, refused int
	)
	for i := range n {
		wg.Go(func() {
			next := orig
			next.TrackingID = string(rune('a' + i))
			_, err := s.UpdateInvitation(context.Background(), next, orig.Version)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, invitations.ErrPreconditionFailed):
				refused++
			default:
				t.Errorf("UpdateInvitation: %v", err)
			}
		})
	}
	wg.Wait()
	if ok != 1 || refused != n-1 {
		t.Errorf("%d concurrent updates of one version: %d succeeded, %d refused; want 1 and %d", n, ok, refused, n-1)
	}
	if got, _ := s.Invitation(context.Background(), "tenant-1", orig.ID); got.Version != orig.Version+1 {
		t.Errorf("Version = %d; want %d", got.Version, orig.Version+1)
	}
}

func testDelete(t *testing.T, s invitations.Store) {
	ctx := context.Background()
	inv := mustCreate(t, s, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"))
	if err := s.DeleteInvitation(ctx, "tenant-2", inv.ID, 0); !errors.Is(err, invitations.ErrNotFound) {
		t.Errorf("DeleteInvitation(another tenant's) = %v; want ErrNotFound", err)
	}
	if err := s.DeleteInvitation(ctx, "tenant-1", inv.ID, inv.Version+1); !errors.Is(err, invitations.ErrPreconditionFailed) {
		t.Errorf("DeleteInvitation(wrong version) = %v; want ErrPreconditionFailed", err)
	}
	if err := s.DeleteInvitation(ctx, "tenant-1", inv.ID, inv.Version); err != nil {
		t.Fatalf("DeleteInvitation: %v", err)
	}
	if _, err := s.Invitation(ctx, "tenant-1", inv.ID); !errors.Is(err, invitations.ErrNotFound) {
		t.Errorf("Invitation after delete = %v; want ErrNotFound", err)
	}
	if err := s.DeleteInvitation(ctx, "tenant-1", inv.ID, 0); !errors.Is(err, invitations.ErrNotFound) {
		t.Errorf("DeleteInvitation again = %v; want ErrNotFound", err)
	}
	// The pair can be invited again.
	again := mustCreate(t, s, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"))
	if again.ID == inv.ID {
		t.Error("the new invitation reuses the deleted one's id")
	}
	if err := s.DeleteInvitation(ctx, "tenant-1", again.ID, 0); err != nil {
		t.Errorf("DeleteInvitation(any version) = %v", err)
	}
}
