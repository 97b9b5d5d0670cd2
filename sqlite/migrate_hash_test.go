package sqlite_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/storetest"
)

// A database made by the schema before 00007, with live idempotency
// records in it, is migrated when opened: a retry of a key recorded then
// still replays its outcome (from the records kept by key), and new keys
// are recorded as usual.
func TestMigrateIdempotencyRecordsToHash(t *testing.T) {
	ctx := context.Background()
	db, path := migratedTo(t, 6)
	now := time.Now()
	old := storetest.Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob").Stamp(now.Add(-time.Hour))
	_, err := db.ExecContext(ctx, `
		INSERT INTO invitations (id, tenant, inviter, invitee, has_message, template_id, body, tracking_id, created, last_modified, version)
		VALUES (?, ?, ?, ?, 0, NULL, NULL, NULL, ?, ?, ?)`,
		old.ID, old.Tenant, old.Inviter, old.Invitee, old.Created.UnixMilli(), old.LastModified.UnixMilli(), old.Version)
	if err != nil {
		t.Fatal(err)
	}
	outcome, err := invitations.Outcome{Invitation: &old}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	req := invitations.IdempotentRequest{Key: invitations.IdempotencyKey{Tenant: "tenant-1", Subject: "urn:li:person:alice", Key: "before-00007"},
		Operation: invitations.OpCreateInvitation, Fingerprint: "fingerprint-1"}
	// 00003's INSERT, column for column.
	_, err = db.ExecContext(ctx, `
		INSERT INTO idempotency_records (tenant, subject, idempotency_key, operation, fingerprint, outcome, expires)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		req.Key.Tenant, req.Key.Subject, req.Key.Key, req.Operation, req.Fingerprint, string(outcome),
		now.Add(invitations.IdempotencyTTL-time.Hour).UnixMilli())
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	s := open(t, path)
	retry, err := s.CreateInvitationIdempotent(ctx, storetest.Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:carol"), req)
	if err != nil || !retry.Replayed || retry.Invitation == nil || retry.Invitation.ID != old.ID {
		t.Fatalf("retry of a key recorded before 00007 = %+v, %v; want invitation %s replayed", retry, err, old.ID)
	}
	other := req
	other.Fingerprint = "fingerprint-2"
	if _, err := s.CreateInvitationIdempotent(ctx, storetest.Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:carol"), other); !errors.Is(err, invitations.ErrKeyReused) {
		t.Errorf("the key with another request: %v; want ErrKeyReused", err)
	}
	fresh := req
	fresh.Key.Key = "after-00007"
	first, err := s.CreateInvitationIdempotent(ctx, storetest.Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:carol"), fresh)
	if err != nil || first.Replayed || first.Invitation == nil {
		t.Fatalf("a new key = %+v, %v; want a new invitation", first, err)
	}
	again, err := s.CreateInvitationIdempotent(ctx, storetest.Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:dan"), fresh)
	if err != nil || !again.Replayed || again.Invitation.ID != first.Invitation.ID {
		t.Errorf("retry of the new key = %+v, %v; want %s replayed", again, err, first.Invitation.ID)
	}
}
