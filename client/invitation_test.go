package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/graph-linkedin/invitations/client"
)

// Every operation, end to end, against the real service.
func TestOperations(t *testing.T) {
	ctx := context.Background()
	c, _ := newClient(t, newServer(t), delegated(t, alice))

	before := time.Now().Add(-time.Second)
	created, err := c.CreateInvitation(ctx, client.NewInvitation{
		Invitee:    "urn:li:email:ada.lovelace@contoso.com",
		Message:    &client.Message{Body: "Ada, I would like to add you to my network."},
		TrackingID: "wGFHz2GbQrOIzP1r9w8Kxg==",
	})
	if err != nil {
		t.Fatalf("CreateInvitation: %v", err)
	}
	want := client.Invitation{
		Inviter:    alice, // the signed-in user
		Invitee:    "urn:li:email:ada.lovelace@contoso.com",
		Message:    &client.Message{Body: "Ada, I would like to add you to my network."},
		TrackingID: "wGFHz2GbQrOIzP1r9w8Kxg==",
		State:      client.StatePending,
		ETag:       `"1"`,
	}
	ignore := cmpopts.IgnoreFields(client.Invitation{}, "ID", "Created", "LastModified")
	if diff := cmp.Diff(want, *created, ignore); diff != "" {
		t.Errorf("CreateInvitation (-want +got):\n%s", diff)
	}
	if created.ID == "" || created.Created.Before(before) || !created.LastModified.Equal(created.Created) ||
		created.Created.Location() != time.UTC {
		t.Errorf("CreateInvitation: id %q, created %v, lastModified %v", created.ID, created.Created, created.LastModified)
	}

	got, err := c.GetInvitation(ctx, created.ID)
	if err != nil {
		t.Fatalf("GetInvitation: %v", err)
	}
	if diff := cmp.Diff(created, got); diff != "" {
		t.Errorf("GetInvitation (-created +got):\n%s", diff)
	}

	updated, err := c.UpdateInvitation(ctx, created.ID, client.Patch{
		Message:    client.Set(client.MessagePatch{TemplateID: client.Set("urn:li:invitationTemplate:12345")}),
		TrackingID: client.Remove[string](),
	}, client.WithIfMatch(got.ETag))
	if err != nil {
		t.Fatalf("UpdateInvitation: %v", err)
	}
	want = *created
	want.Message = &client.Message{TemplateID: "urn:li:invitationTemplate:12345", Body: created.Message.Body}
	want.TrackingID = ""
	want.ETag = `"2"`
	if diff := cmp.Diff(want, *updated, cmpopts.IgnoreFields(client.Invitation{}, "LastModified")); diff != "" {
		t.Errorf("UpdateInvitation (-want +got):\n%s", diff)
	}
	if updated.LastModified.Before(created.LastModified) {
		t.Errorf("UpdateInvitation: lastModified %v went back from %v", updated.LastModified, created.LastModified)
	}

	if err := c.DeleteInvitation(ctx, created.ID, client.WithIfMatch(updated.ETag)); err != nil {
		t.Fatalf("DeleteInvitation: %v", err)
	}
	if _, err := c.GetInvitation(ctx, created.ID); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("GetInvitation after delete: %v; want ErrNotFound", err)
	}
	// Deleted, the same invitation may be made again.
	if _, err := c.CreateInvitation(ctx, client.NewInvitation{Invitee: created.Invitee}); err != nil {
		t.Errorf("CreateInvitation again after delete: %v", err)
	}
}

// Patches merge: what a patch leaves out stays, Remove removes.
func TestUpdateMerges(t *testing.T) {
	ctx := context.Background()
	c, _ := newClient(t, newServer(t), app(t))
	full := &client.Message{TemplateID: "urn:li:invitationTemplate:1", Body: "Hello."}
	tests := []struct {
		name  string
		patch client.Patch
		want  *client.Message
		track string
	}{
		{"empty patch", client.Patch{}, full, "t-1"},
		{"set body", client.Patch{Message: client.Set(client.MessagePatch{Body: client.Set("Hi again.")})},
			&client.Message{TemplateID: full.TemplateID, Body: "Hi again."}, "t-1"},
		{"remove body", client.Patch{Message: client.Set(client.MessagePatch{Body: client.Remove[string]()})},
			&client.Message{TemplateID: full.TemplateID}, "t-1"},
		{"remove template", client.Patch{Message: client.Set(client.MessagePatch{TemplateID: client.Remove[string]()})},
			&client.Message{Body: full.Body}, "t-1"},
		{"remove message", client.Patch{Message: client.Remove[client.MessagePatch]()}, nil, "t-1"},
		{"set tracking id", client.Patch{TrackingID: client.Set("t-2")}, full, "t-2"},
		{"remove tracking id", client.Patch{TrackingID: client.Remove[string]()}, full, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := c.CreateInvitation(ctx, client.NewInvitation{
				Inviter: alice, Invitee: "urn:li:person:Inv1tee" + string(rune('A'+i)), Message: full, TrackingID: "t-1"})
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.UpdateInvitation(ctx, inv.ID, tt.patch)
			if err != nil {
				t.Fatalf("UpdateInvitation: %v", err)
			}
			if diff := cmp.Diff(tt.want, got.Message); diff != "" || got.TrackingID != tt.track {
				t.Errorf("message (-want +got):\n%s\ntracking id %q; want %q", diff, got.TrackingID, tt.track)
			}
			// What the update answered is what is stored.
			again, err := c.GetInvitation(ctx, inv.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, again); diff != "" {
				t.Errorf("GetInvitation after update (-update +get):\n%s", diff)
			}
		})
	}
}

// An Invitation's JSON is the API's, plus its ETag, and reads back.
func TestInvitationJSON(t *testing.T) {
	inv := client.Invitation{
		ID:           "3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60",
		Created:      time.UnixMilli(1795628728473).UTC(),
		LastModified: time.UnixMilli(1795628729000).UTC(),
		Inviter:      alice,
		Invitee:      "urn:li:email:ada.lovelace@contoso.com",
		Message:      &client.Message{Body: "Hi."},
		State:        client.StateAccepted,
		Closed:       time.UnixMilli(1795628729000).UTC(),
		ETag:         `"2"`,
	}
	b, err := json.Marshal(inv)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"@odata.etag":"\"2\"","@odata.type":"#microsoft.graph.InvitationV2","closed":1795628729000,"created":1795628728473,` +
		`"id":"3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60","invitee":"urn:li:email:ada.lovelace@contoso.com",` +
		`"inviter":"urn:li:person:A1iceX9","lastModified":1795628729000,` +
		`"message":{"@odata.type":"microsoft.graph.InvitationV2Message","invitationMessage":{"body":"Hi."}},"state":"accepted"}`
	if string(b) != want {
		t.Errorf("json.Marshal(inv) = %s; want %s", b, want)
	}
	var back client.Invitation
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(inv, back); diff != "" {
		t.Errorf("json round trip (-want +got):\n%s", diff)
	}
}

// Every request carries a client-request-id, the caller's when given, and
// the User-Agent.
func TestRequestHeaders(t *testing.T) {
	ctx := context.Background()
	c, rec := newClient(t, newServer(t), delegated(t, alice), client.WithUserAgent("invitations-test/1"))
	if _, err := c.GetInvitation(ctx, "3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60"); !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("GetInvitation: %v; want ErrNotFound", err)
	}
	_, err := c.GetInvitation(ctx, "3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60", client.WithClientRequestID("my-request-1"))
	var e *client.Error
	if !errors.As(err, &e) || e.ClientRequestID != "my-request-1" || e.RequestID == "" {
		t.Fatalf("GetInvitation with a client-request-id: %#v; want an *Error echoing it", err)
	}
	reqs := rec.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests; want 2", len(reqs))
	}
	first := reqs[0].Header.Get("client-request-id")
	if len(first) != 36 || strings.Count(first, "-") != 4 {
		t.Errorf("client-request-id %q; want a UUID", first)
	}
	if got := reqs[1].Header.Get("client-request-id"); got != "my-request-1" {
		t.Errorf("client-request-id %q; want my-request-1", got)
	}
	for _, r := range reqs {
		if ua := r.Header.Get("User-Agent"); ua != "invitations-test/1" {
			t.Errorf("User-Agent %q; want invitations-test/1", ua)
		}
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			t.Errorf("Authorization %q; want a bearer token", r.Header.Get("Authorization"))
		}
	}
}
