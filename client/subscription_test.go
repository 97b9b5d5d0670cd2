package client_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/graph-linkedin/invitations/client"
	"github.com/graph-linkedin/invitations/client/webhook"
	"github.com/graph-linkedin/invitations/spectest"
)

// eventually bounds the wait for a delivery: generous, the machine is
// shared.
const eventually = 30 * time.Second

// receiver is a subscriber's endpoint built on webhook.Handler, the helper
// under test: change notifications at /notify, lifecycle ones at
// /lifecycle. Every POST's body is checked against openapi.yaml before the
// Handler reads it.
type receiver struct {
	t    testing.TB
	url  string
	mu   sync.Mutex
	got  []webhook.Change
	life []webhook.Lifecycle
	more chan struct{} // closed and replaced at every notification handled
}

// newReceiver starts a receiver whose Handler is h with ClientState and
// functions that record what they get, after fail (when set) had its say.
func newReceiver(t testing.TB, h *webhook.Handler, fail func(id string) error) *receiver {
	r := &receiver{t: t, more: make(chan struct{})}
	h.OnChange = func(_ context.Context, n webhook.Change) error {
		if fail != nil {
			if err := fail(n.ID); err != nil {
				return err
			}
		}
		r.record(func() { r.got = append(r.got, n) })
		return nil
	}
	h.OnLifecycle = func(_ context.Context, n webhook.Lifecycle) error {
		r.record(func() { r.life = append(r.life, n) })
		return nil
	}
	doc := spectest.Load(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Query().Has("validationToken") {
			h.ServeHTTP(w, req)
			return
		}
		schema := map[string]string{"/notify": "ChangeNotificationCollection", "/lifecycle": "LifecycleNotificationCollection"}[req.URL.Path]
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return
		}
		if err := spectest.CheckSchema(doc, schema, body); schema == "" || err != nil {
			t.Errorf("POST %s: the body is not a %q: %v\n%s", req.URL.Path, schema, err, body)
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	r.url = srv.URL
	return r
}

func (r *receiver) record(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f()
	close(r.more)
	r.more = make(chan struct{})
}

// wait waits until the receiver has handled n change and lifecycle
// notifications, and returns them.
func (r *receiver) wait(changes, lifecycle int) ([]webhook.Change, []webhook.Lifecycle) {
	r.t.Helper()
	deadline := time.After(eventually)
	for {
		r.mu.Lock()
		got, life, more := slices.Clone(r.got), slices.Clone(r.life), r.more
		r.mu.Unlock()
		if len(got) >= changes && len(life) >= lifecycle {
			return got, life
		}
		select {
		case <-more:
		case <-deadline:
			r.t.Fatalf("the receiver handled %d change and %d lifecycle notifications in %v; want %d and %d",
				len(got), len(life), eventually, changes, lifecycle)
		}
	}
}

// A subscription's life through the client, and what the service delivers
// to a webhook.Handler meanwhile: each change, in order, typed.
func TestSubscriptions(t *testing.T) {
	ctx := context.Background()
	url := newNotifyingServer(t)
	c, _ := newClient(t, url, delegated(t, alice))
	r := newReceiver(t, &webhook.Handler{ClientState: "s3cret"}, nil)

	exp := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Millisecond)
	sub, err := c.CreateSubscription(ctx, client.NewSubscription{
		ChangeTypes:              []client.ChangeType{client.ChangeCreated, client.ChangeUpdated, client.ChangeDeleted},
		NotificationURL:          r.url + "/notify",
		LifecycleNotificationURL: r.url + "/lifecycle",
		Expiration:               exp,
		ClientState:              "s3cret",
	})
	if err != nil {
		t.Fatalf("CreateSubscription: %v", err)
	}
	want := client.Subscription{
		ID:                       sub.ID,
		ChangeTypes:              []client.ChangeType{client.ChangeCreated, client.ChangeUpdated, client.ChangeDeleted},
		NotificationURL:          r.url + "/notify",
		LifecycleNotificationURL: r.url + "/lifecycle",
		Expiration:               exp,
		ClientState:              "s3cret",
		CreatorID:                alice,
	}
	if diff := cmp.Diff(want, *sub); diff != "" || sub.ID == "" {
		t.Errorf("CreateSubscription (-want +got):\n%s", diff)
	}
	if got, err := c.GetSubscription(ctx, sub.ID); err != nil || !cmp.Equal(got, sub) {
		t.Errorf("GetSubscription = %+v, %v; want %+v", got, err, sub)
	}
	if got := collect(t, c.ListSubscriptions(ctx)); !cmp.Equal(got, []client.Subscription{*sub}) {
		t.Errorf("ListSubscriptions = %+v; want the one subscription", got)
	}

	// Alice invites Bob, changes the message; Bob accepts; Alice deletes.
	inv, err := c.CreateInvitation(ctx, client.NewInvitation{Invitee: bob})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateInvitation(ctx, inv.ID, client.Patch{TrackingID: client.Set("t-1")}); err != nil {
		t.Fatal(err)
	}
	asBob, _ := newClient(t, url, delegated(t, bob))
	if results, err := asBob.CloseInvitations(ctx, client.ActionAccept, []string{inv.ID}); err != nil || results[0].Err != nil {
		t.Fatalf("CloseInvitations = %v, %v", results, err)
	}
	if err := c.DeleteInvitation(ctx, inv.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := r.wait(4, 0)
	var wantChanges []webhook.Change
	for _, ct := range []client.ChangeType{client.ChangeCreated, client.ChangeUpdated, client.ChangeUpdated, client.ChangeDeleted} {
		wantChanges = append(wantChanges, webhook.Change{SubscriptionID: sub.ID, SubscriptionExpiration: exp, ChangeType: ct,
			InvitationID: inv.ID, Resource: "linkedIn/invitations/" + inv.ID, ClientState: "s3cret", TenantID: tenant})
	}
	if diff := cmp.Diff(wantChanges, got, cmpopts.IgnoreFields(webhook.Change{}, "ID")); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
	ids := map[string]bool{}
	for _, n := range got {
		ids[n.ID] = true
	}
	if len(ids) != 4 || ids[""] {
		t.Errorf("notification ids %v; want 4 different ones", ids)
	}

	renewed, err := c.RenewSubscription(ctx, sub.ID, exp.Add(24*time.Hour))
	if err != nil || !renewed.Expiration.Equal(exp.Add(24*time.Hour)) {
		t.Errorf("RenewSubscription = %+v, %v; want the new expiration", renewed, err)
	}
	_, err = c.RenewSubscription(ctx, sub.ID, time.Now().Add(client.MaxSubscriptionLifetime+time.Hour))
	var e *client.Error
	if !errors.Is(err, client.ErrInvalid) || !errors.As(err, &e) || e.Target != "expirationDateTime" {
		t.Errorf("RenewSubscription beyond the limit = %v; want ErrInvalid naming expirationDateTime", err)
	}

	if err := c.DeleteSubscription(ctx, sub.ID); err != nil {
		t.Fatalf("DeleteSubscription: %v", err)
	}
	if _, err := c.GetSubscription(ctx, sub.ID); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("GetSubscription after delete = %v; want ErrNotFound", err)
	}
	if err := c.DeleteSubscription(ctx, sub.ID); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("DeleteSubscription again = %v; want ErrNotFound", err)
	}
	if got := collect(t, c.ListSubscriptions(ctx)); len(got) != 0 {
		t.Errorf("ListSubscriptions after delete = %+v; want none", got)
	}
}

// collect gathers an iterator's subscriptions, failing the test at an
// error.
func collect(t *testing.T, seq func(func(client.Subscription, error) bool)) []client.Subscription {
	t.Helper()
	var subs []client.Subscription
	for sub, err := range seq {
		if err != nil {
			t.Fatalf("ListSubscriptions: %v", err)
		}
		subs = append(subs, sub)
	}
	return subs
}

// A URL that fails the validation handshake is refused with the property
// named; so is a token that may not read invitations.
func TestCreateSubscriptionRefused(t *testing.T) {
	ctx := context.Background()
	url := newNotifyingServer(t)
	c, _ := newClient(t, url, delegated(t, alice))
	notFound := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(notFound.Close)
	r := newReceiver(t, &webhook.Handler{}, nil)

	for _, tt := range []struct {
		name   string
		sub    client.NewSubscription
		target string
	}{
		{"notification URL", client.NewSubscription{ChangeTypes: []client.ChangeType{client.ChangeCreated},
			NotificationURL: notFound.URL, Expiration: time.Now().Add(time.Hour)}, "notificationUrl"},
		{"lifecycle URL", client.NewSubscription{ChangeTypes: []client.ChangeType{client.ChangeCreated},
			NotificationURL: r.url + "/notify", LifecycleNotificationURL: notFound.URL, Expiration: time.Now().Add(time.Hour)},
			"lifecycleNotificationUrl"},
		{"no change type", client.NewSubscription{NotificationURL: r.url + "/notify", Expiration: time.Now().Add(time.Hour)},
			"changeType"},
		{"too far ahead", client.NewSubscription{ChangeTypes: []client.ChangeType{client.ChangeCreated},
			NotificationURL: r.url + "/notify", Expiration: time.Now().Add(client.MaxSubscriptionLifetime + time.Hour)},
			"expirationDateTime"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.CreateSubscription(ctx, tt.sub)
			var e *client.Error
			if !errors.Is(err, client.ErrInvalid) || !errors.As(err, &e) || e.Target != tt.target {
				t.Errorf("CreateSubscription = %v; want ErrInvalid naming %s", err, tt.target)
			}
		})
	}
	if got := collect(t, c.ListSubscriptions(ctx)); len(got) != 0 {
		t.Errorf("ListSubscriptions = %+v; want none stored", got)
	}

	mayNotRead, _ := newClient(t, url, token(t, alice, []string{"User.Read"}, nil))
	_, err := mayNotRead.CreateSubscription(ctx, client.NewSubscription{ChangeTypes: []client.ChangeType{client.ChangeCreated},
		NotificationURL: r.url + "/notify", Expiration: time.Now().Add(time.Hour)})
	if !errors.Is(err, client.ErrForbidden) {
		t.Errorf("CreateSubscription without a read permission = %v; want ErrForbidden", err)
	}
}

// A function that fails makes the service send its notification again; with
// a Dedupe, a notification handled before the failure of a later one in the
// same POST is not handled twice. Every change is handled once, in order.
func TestWebhookRetries(t *testing.T) {
	ctx := context.Background()
	url := newNotifyingServer(t)
	c, _ := newClient(t, url, app(t))

	var mu sync.Mutex
	attempts := map[string]int{}
	failFirst := func(id string) error { // each notification fails once, then succeeds
		mu.Lock()
		defer mu.Unlock()
		attempts[id]++
		if attempts[id] == 1 {
			return errors.New("not now")
		}
		return nil
	}
	r := newReceiver(t, &webhook.Handler{Dedupe: webhook.NewDedupe(100)}, failFirst)
	if _, err := c.CreateSubscription(ctx, client.NewSubscription{ChangeTypes: []client.ChangeType{client.ChangeCreated},
		NotificationURL: r.url + "/notify", Expiration: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, invitee := range []string{bob, "urn:li:person:C4rol", "urn:li:person:D4ve"} {
		inv, err := c.CreateInvitation(ctx, client.NewInvitation{Inviter: alice, Invitee: invitee})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, inv.ID)
	}
	got, _ := r.wait(3, 0)
	var ids []string
	for _, n := range got {
		ids = append(ids, n.InvitationID)
		if n.ClientState != "" || n.ChangeType != client.ChangeCreated {
			t.Errorf("notification %+v; want a created one without a clientState", n)
		}
	}
	// Handled once each (the Dedupe), in the order of the creates.
	if !slices.Equal(ids, want) {
		t.Errorf("handled the creates of %v; want %v, each once", ids, want)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, n := range got {
		if attempts[n.ID] != 2 {
			t.Errorf("notification %s: %d calls; want 2 (a failure, then the service's retry)", n.ID, attempts[n.ID])
		}
	}
}

// A subscription whose creator comes to renew it without the permission to
// read is removed, and its lifecycle URL is told: a webhook.Lifecycle.
func TestWebhookLifecycle(t *testing.T) {
	ctx := context.Background()
	url := newNotifyingServer(t)
	c, _ := newClient(t, url, delegated(t, alice))
	r := newReceiver(t, &webhook.Handler{ClientState: "s3cret"}, nil)
	sub, err := c.CreateSubscription(ctx, client.NewSubscription{ChangeTypes: []client.ChangeType{client.ChangeCreated},
		NotificationURL: r.url + "/notify", LifecycleNotificationURL: r.url + "/lifecycle",
		Expiration: time.Now().Add(time.Hour), ClientState: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	lost, _ := newClient(t, url, token(t, alice, []string{"User.Read"}, nil))
	if _, err := lost.RenewSubscription(ctx, sub.ID, time.Now().Add(2*time.Hour)); !errors.Is(err, client.ErrForbidden) {
		t.Fatalf("RenewSubscription without a read permission = %v; want ErrForbidden", err)
	}
	_, life := r.wait(0, 1)
	want := []webhook.Lifecycle{{SubscriptionID: sub.ID, SubscriptionExpiration: sub.Expiration, Event: webhook.SubscriptionRemoved,
		ClientState: "s3cret", TenantID: tenant}}
	if diff := cmp.Diff(want, life, cmpopts.IgnoreFields(webhook.Lifecycle{}, "ID")); diff != "" || life[0].ID == "" {
		t.Errorf("lifecycle notifications (-want +got):\n%s", diff)
	}
	if _, err := c.GetSubscription(ctx, sub.ID); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("GetSubscription of the removed subscription = %v; want ErrNotFound", err)
	}
}
