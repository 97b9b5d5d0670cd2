package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/memory"
	"github.com/graph-linkedin/invitations/notifytest"
	"github.com/graph-linkedin/invitations/storetest"
)

// syncBuffer is a bytes.Buffer the handler writes while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The example passes the service's handshake and prints what the
// service's dispatcher delivers to it, each change once.
func TestReceiver(t *testing.T) {
	var out syncBuffer
	srv := httptest.NewServer(newHandler(&out, "s3cret"))
	defer srv.Close()
	d := notifytest.NewDispatcher()
	ctx := context.Background()
	if err := d.Client.Handshake(ctx, "notificationUrl", srv.URL+"/notify"); err != nil {
		t.Fatalf("Handshake = %v; want nil", err)
	}

	store := memory.Open(memory.Options{OnQueued: d.Queued})
	d.Start(t, store)
	app := invitations.Caller{Tenant: "t", Subject: "app", Roles: []string{invitations.PermReadAll}}
	now := time.Now()
	sub := app.NewSubscription(invitations.Subscription{ChangeTypes: invitations.ChangeCreated | invitations.ChangeDeleted,
		NotificationURL: srv.URL + "/notify", ClientState: "s3cret", Expiration: now.Add(time.Hour)}, now)
	if _, err := store.CreateSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	inv, err := store.CreateInvitation(ctx, storetest.Invitation("t", "urn:li:person:alice", "urn:li:person:bob"))
	if err != nil {
		t.Fatal(err)
	}
	if err := store.DeleteInvitation(ctx, "t", inv.ID, 0); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(out.String(), "\n") < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{"created linkedIn/invitations/" + inv.ID, "deleted linkedIn/invitations/" + inv.ID}
	if len(lines) != 2 || !strings.HasPrefix(lines[0], want[0]) || !strings.HasPrefix(lines[1], want[1]) {
		t.Errorf("printed %q; want lines starting %q", lines, want)
	}
}
