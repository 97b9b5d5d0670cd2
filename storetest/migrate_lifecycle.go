package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations"
)

// PreviousRelease holds invitations as the release before the life cycle
// stored them (without state or closed time), for each engine's migration
// test to write with that release's schema and INSERT.
func PreviousRelease() []invitations.Invitation {
	at := time.UnixMilli(1795628728473)
	return []invitations.Invitation{
		{ID: "3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60", Tenant: "tenant-1", Inviter: "urn:li:person:alice", Invitee: "urn:li:person:bob",
			Created: at, LastModified: at.Add(time.Second), Message: &invitations.Message{TemplateID: "urn:li:invitationTemplate:1", Body: "hi"},
			TrackingID: "t-1", Version: 3},
		{ID: "0d9e8f7a-6b5c-4d3e-9f2a-1b0c9d8e7f6a", Tenant: "tenant-1", Inviter: "urn:li:person:alice", Invitee: "urn:li:email:carol@example.com",
			Created: at.Add(time.Millisecond), LastModified: at.Add(time.Millisecond), Message: &invitations.Message{}, Version: 1},
		{ID: "6f1c2d3e-0a1b-4c5d-8e9f-a0b1c2d3e4f5", Tenant: "tenant-2", Inviter: "urn:li:person:alice", Invitee: "urn:li:person:bob",
			Created: at, LastModified: at, Version: 1},
	}
}

// CheckMigrated checks s, opened (and so migrated) on a database of the
// previous release that holds PreviousRelease's invitations: every one is
// kept, pending; their pairs still count as pending; and the life cycle
// works on them.
func CheckMigrated(t *testing.T, s invitations.Store) {
	t.Helper()
	ctx := context.Background()
	rows := PreviousRelease()
	for _, want := range rows {
		want.State = invitations.StatePending
		got, err := s.Invitation(ctx, want.Tenant, want.ID)
		if err != nil {
			t.Fatalf("Invitation(%s) after the migration: %v", want.ID, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Invitation(%s) after the migration (-before +after):\n%s", want.ID, diff)
		}
	}
	page, err := s.ListInvitations(ctx, invitations.Query{Tenant: "tenant-1", Order: invitations.DefaultOrder, Limit: 10, Count: true,
		Filter: []invitations.Condition{{Field: invitations.FieldState, Op: invitations.OpEq, String: string(invitations.StatePending)}}})
	if err != nil || page.Count != 2 {
		t.Errorf("ListInvitations(tenant-1, state eq pending) after the migration = %d, %v; want 2", page.Count, err)
	}
	// A migrated pair is pending: a second invitation is a conflict, until
	// the first is closed.
	pair := Invitation("tenant-1", rows[0].Inviter, rows[0].Invitee)
	if _, err := s.CreateInvitation(ctx, pair); !errors.Is(err, invitations.ErrConflict) {
		t.Errorf("CreateInvitation(a migrated pair) = %v; want ErrConflict", err)
	}
	closed := mustClose(t, s, member("tenant-1", rows[0].Invitee), invitations.ActionAccept, rows[0].ID)[0]
	if closed.Version != rows[0].Version+1 {
		t.Errorf("a migrated invitation closed at version %d; want %d", closed.Version, rows[0].Version+1)
	}
	if _, err := s.CreateInvitation(ctx, pair); err != nil {
		t.Errorf("CreateInvitation(a migrated pair, once closed) = %v; want success", err)
	}
}
