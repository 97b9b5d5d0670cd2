package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations"
)

// LegacyKey is a row of the idempotency_keys table as the version before
// migration 00003 wrote it (a claim, then the HTTP response), with the
// invitation it created, if any: the engines' migration tests store these
// in a database migrated up to 00002, migrate it, and check with
// CheckLegacyKeys that retries still replay.
type LegacyKey struct {
	Tenant, Subject, Key, Fingerprint string
	Expires                           int64 // milliseconds since the Unix epoch
	// A request still running: Status 0, and its claim.
	Token      string
	LeaseUntil int64
	// A completed one: its response as the server rendered it.
	Status         int
	Location, ETag string
	Body           []byte
	// Created is the invitation the 201 created.
	Created *invitations.Invitation
	// Want is what a retry with the key gets after the migration; nil when
	// the key is free (its request was still running: nothing was made).
	Want *invitations.Outcome
}

// LegacyKeys are rows as the previous version wrote them (their bodies
// byte for byte as its server rendered them), live at now: a 201 with
// every property, a 201 with an empty message, a 409 for the pair, and a
// claim whose request was still running.
func LegacyKeys(now time.Time) []LegacyKey {
	const (
		tenant = "6f1c2d3e-0a1b-4c5d-8e9f-a0b1c2d3e4f5"
		alice  = "urn:li:person:A1iceX9"
	)
	expires := now.Add(time.Hour).UnixMilli()
	full := &invitations.Invitation{ID: "6ec9f9b2-933d-4a2a-a66b-301af5de3af7", Tenant: tenant, Inviter: alice,
		Invitee: "urn:li:email:ada@contoso.com", TrackingID: "t-1",
		Message: &invitations.Message{TemplateID: "urn:li:invitationTemplate:1", Body: `Ada, "quoted" <b> & é`},
		Created: time.UnixMilli(1795691207699), LastModified: time.UnixMilli(1795691207699), State: invitations.StatePending, Version: 1}
	bare := &invitations.Invitation{ID: "358af86a-1e42-4f57-a95d-48b367ad05ac", Tenant: tenant, Inviter: alice,
		Invitee: "urn:li:person:B0bY7z", Message: &invitations.Message{},
		Created: time.UnixMilli(1795691207704), LastModified: time.UnixMilli(1795691207704), State: invitations.StatePending, Version: 1}
	return []LegacyKey{
		{Tenant: tenant, Subject: alice, Key: "k-201", Expires: expires,
			Fingerprint: "sha256:39f7ed720f7f1ea7fd152a06e6ee59f490d0d77382d13d70224ede815ddff174",
			Status:      201, Location: "/v1.0/linkedIn/invitations/" + full.ID, ETag: `"1"`,
			Body: []byte(`{"@odata.type":"#microsoft.graph.InvitationV2","created":1795691207699,"id":"6ec9f9b2-933d-4a2a-a66b-301af5de3af7",` +
				`"invitee":"urn:li:email:ada@contoso.com","inviter":"urn:li:person:A1iceX9","lastModified":1795691207699,` +
				`"message":{"@odata.type":"microsoft.graph.InvitationV2Message","invitationMessage":{"body":"Ada, \"quoted\" \u003cb\u003e \u0026 é"},` +
				`"invitationTemplateID":"urn:li:invitationTemplate:1"},"trackingId":"t-1"}` + "\n"),
			Created: full, Want: &invitations.Outcome{Invitation: full, Replayed: true}},
		{Tenant: tenant, Subject: alice, Key: "k-201-bare", Expires: expires,
			Fingerprint: "sha256:ea0d67331b7459f3a269ce761a60c4850d6e7e9876e18bb555e2499ea48a0ec3",
			Status:      201, Location: "/v1.0/linkedIn/invitations/" + bare.ID, ETag: `"1"`,
			Body: []byte(`{"@odata.type":"#microsoft.graph.InvitationV2","created":1795691207704,"id":"358af86a-1e42-4f57-a95d-48b367ad05ac",` +
				`"invitee":"urn:li:person:B0bY7z","inviter":"urn:li:person:A1iceX9","lastModified":1795691207704,` +
				`"message":{"@odata.type":"microsoft.graph.InvitationV2Message"}}` + "\n"),
			Created: bare, Want: &invitations.Outcome{Invitation: bare, Replayed: true}},
		{Tenant: tenant, Subject: alice, Key: "k-409", Expires: expires,
			Fingerprint: "sha256:b757758024948638cdbdb7ec3c5129ce4809ec7974692655fa963106f3ddef59",
			Status:      409,
			Body: []byte(`{"error":{"code":"conflict","innerError":{"client-request-id":"e867d04f-2782-45c4-b3ea-8394eda752eb",` +
				`"date":"2026-11-26T11:06:47Z","request-id":"e867d04f-2782-45c4-b3ea-8394eda752eb"},` +
				`"message":"an invitation from urn:li:person:A1iceX9 to urn:li:person:B0bY7z already exists"}}` + "\n"),
			Want: &invitations.Outcome{Refusal: invitations.ConflictError(alice, "urn:li:person:B0bY7z"), Replayed: true}},
		{Tenant: tenant, Subject: alice, Key: "k-running", Expires: expires,
			Fingerprint: "sha256:0c1b9e6d63f6b1c9f3d1b4e2a7a08f5d2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f70",
			Token:       "4b0c3a3e-7d6f-4c1e-9a1b-2c3d4e5f6a7b", LeaseUntil: now.Add(10 * time.Second).UnixMilli()},
	}
}

// CheckLegacyKeys checks s, opened on a database that held keys when
// migrated: a retry of each completed request replays it, as its
// response had it; another request with its key is refused; the key of a
// request that was still running is free.
func CheckLegacyKeys(t *testing.T, s invitations.Store, keys []LegacyKey) {
	t.Helper()
	ctx := context.Background()
	for _, k := range keys {
		req := invitations.IdempotentRequest{Key: invitations.IdempotencyKey{Tenant: k.Tenant, Subject: k.Subject, Key: k.Key},
			Operation: invitations.OpCreateInvitation, Fingerprint: k.Fingerprint}
		// The request's invitation; for the one still running, a pair of
		// its own.
		inv := Invitation(k.Tenant, k.Subject, "urn:li:person:"+k.Key)
		if k.Created != nil {
			inv = Invitation(k.Tenant, k.Created.Inviter, k.Created.Invitee)
		}
		got, err := s.CreateInvitationIdempotent(ctx, inv, req)
		if err != nil {
			t.Errorf("%s: CreateInvitationIdempotent after the migration: %v", k.Key, err)
			continue
		}
		if k.Want == nil {
			if got.Invitation == nil || got.Replayed {
				t.Errorf("%s: CreateInvitationIdempotent after the migration = %+v; want a new invitation (the key was free)", k.Key, got)
			}
			continue
		}
		if diff := cmp.Diff(*k.Want, got, sameError); diff != "" {
			t.Errorf("%s: CreateInvitationIdempotent after the migration (-want +got):\n%s", k.Key, diff)
		}
		req.Fingerprint = "sha256:another"
		if _, err := s.CreateInvitationIdempotent(ctx, inv, req); !errors.Is(err, invitations.ErrKeyReused) {
			t.Errorf("%s: CreateInvitationIdempotent of another request after the migration = %v; want ErrKeyReused", k.Key, err)
		}
	}
}
