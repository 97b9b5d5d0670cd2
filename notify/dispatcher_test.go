package notify_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/client/raw"
	"github.com/graph-linkedin/invitations/memory"
	"github.com/graph-linkedin/invitations/notify"
	"github.com/graph-linkedin/invitations/notifytest"
	"github.com/graph-linkedin/invitations/sqlite"
	"github.com/graph-linkedin/invitations/storetest"
)

// wait is the deadline of the eventual checks: generous, for a loaded
// machine; a passing test takes a fraction of it.
const wait = 30 * time.Second

// fast are dispatcher options for tests: quick polls and retries.
func fast(opts notify.Options) notify.Options {
	if opts.Client == nil {
		opts.Client = notify.NewClient(notify.ClientOptions{AllowPrivate: true, Timeout: 5 * time.Second})
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = 20 * time.Millisecond
	}
	if opts.MinBackoff == 0 {
		opts.MinBackoff, opts.MaxBackoff = 10*time.Millisecond, 100*time.Millisecond
	}
	return opts
}

// start runs a dispatcher over s until the test ends.
func start(t *testing.T, s invitations.Outbox, opts notify.Options) *notify.Dispatcher {
	t.Helper()
	d, err := notify.New(s, fast(opts))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run = %v; want nil", err)
			}
		case <-time.After(wait):
			t.Error("Run did not return after its context ended")
		}
	})
	return d
}

// newStore is an in-memory store whose writes wake the dispatcher *d, once
// set.
func newStore(d **notify.Dispatcher) *memory.Store {
	return memory.Open(memory.Options{OnQueued: func(n int) {
		if *d != nil {
			(*d).Queued(n)
		}
	}})
}

// subscribe stores caller's subscription to types, delivered to r (and
// its lifecycle notifications to lifecycle, or else r).
func subscribe(t *testing.T, s invitations.Store, caller invitations.Caller, types invitations.ChangeType, r *notifytest.Receiver,
	lifecycle ...*notifytest.Receiver) invitations.Subscription {
	t.Helper()
	now := time.Now()
	lc := r
	if len(lifecycle) > 0 {
		lc = lifecycle[0]
	}
	sub := caller.NewSubscription(invitations.Subscription{ChangeTypes: types, NotificationURL: r.NotifyURL(),
		LifecycleURL: lc.LifecycleURL(), ClientState: "secret of " + caller.Subject, Expiration: now.Add(time.Hour)}, now)
	if err := sub.Validate(now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateSubscription(context.Background(), sub); err != nil {
		t.Fatal(err)
	}
	return sub
}

var (
	all     = invitations.ChangeCreated | invitations.ChangeUpdated | invitations.ChangeDeleted
	app     = invitations.Caller{Tenant: "tenant-1", Subject: "app-1", Roles: []string{invitations.PermReadWriteAll}}
	alice   = invitations.Caller{Tenant: "tenant-1", Subject: "urn:li:person:alice", Scopes: []string{invitations.PermRead}}
	outside = invitations.Caller{Tenant: "tenant-2", Subject: "app-2", Roles: []string{invitations.PermReadAll}}
)

// seen is what a test compares of a change notification.
type seen struct{ Change, Invitation string }

func seenOf(ns []raw.ChangeNotification) []seen {
	var out []seen
	for _, n := range ns {
		out = append(out, seen{string(n.ChangeType), n.ResourceData.ID})
	}
	return out
}

// Each change arrives, with Graph's body, at the subscriptions that see it;
// nothing crosses tenants or reaches a delegated subscriber about others'
// invitations.
func TestDeliversChanges(t *testing.T) {
	var d *notify.Dispatcher
	s := newStore(&d)
	reg := prometheus.NewRegistry()
	d = start(t, s, notify.Options{Metrics: reg})
	appR, aliceR, outsideR := notifytest.New(t), notifytest.New(t), notifytest.New(t)
	appSub := subscribe(t, s, app, all, appR)
	subscribe(t, s, alice, all, aliceR)
	subscribe(t, s, outside, all, outsideR)

	ctx := context.Background()
	mine, err := s.CreateInvitation(ctx, storetest.Invitation("tenant-1", alice.Subject, "urn:li:person:bob"))
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.CreateInvitation(ctx, storetest.Invitation("tenant-1", "urn:li:person:carol", "urn:li:person:dan"))
	if err != nil {
		t.Fatal(err)
	}
	mine.TrackingID = "t-1"
	if _, err := s.UpdateInvitation(ctx, mine, 1); err != nil {
		t.Fatal(err)
	}
	bob := invitations.Caller{Tenant: "tenant-1", Subject: "urn:li:person:bob", Scopes: []string{invitations.PermReadWrite}}
	if _, err := s.CloseInvitations(ctx, invitations.CloseRequest{Caller: bob, Action: invitations.ActionAccept, IDs: []string{mine.ID}}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteInvitation(ctx, "tenant-1", mine.ID, 0); err != nil {
		t.Fatal(err)
	}

	want := []seen{{"created", mine.ID}, {"created", other.ID}, {"updated", mine.ID}, {"updated", mine.ID}, {"deleted", mine.ID}}
	appR.Wait(wait, "5 notifications", func(r *notifytest.Receiver) bool { return len(r.Changes()) >= 5 })
	if diff := cmp.Diff(want, seenOf(appR.Changes())); diff != "" {
		t.Errorf("the application's notifications (-want +got):\n%s", diff)
	}
	wantAlice := slices.DeleteFunc(slices.Clone(want), func(s seen) bool { return s.Invitation != mine.ID })
	aliceR.Wait(wait, "4 notifications", func(r *notifytest.Receiver) bool { return len(r.Changes()) >= 4 })
	if diff := cmp.Diff(wantAlice, seenOf(aliceR.Changes())); diff != "" {
		t.Errorf("alice's notifications (-want +got):\n%s", diff)
	}

	// The bodies, as Graph writes them.
	first := appR.Changes()[0]
	path := "linkedIn/invitations/" + mine.ID
	wantFirst := raw.ChangeNotification{ID: first.ID, SubscriptionID: appSub.ID,
		SubscriptionExpirationDateTime: appSub.Expiration.UTC(), ChangeType: raw.Created,
		Resource: path, ResourceData: raw.ChangeNotificationResourceData{
			OdataType: raw.ChangeNotificationResourceDataOdataTypeHashMicrosoftGraphInvitationV2, OdataID: path, ID: mine.ID},
		ClientState: &appSub.ClientState, TenantID: "tenant-1"}
	if diff := cmp.Diff(wantFirst, first); diff != "" {
		t.Errorf("the first notification (-want +got):\n%s", diff)
	}
	ids := map[string]bool{}
	for _, n := range appR.Changes() {
		if ids[n.ID] {
			t.Errorf("two notifications have the id %s", n.ID)
		}
		ids[n.ID] = true
	}

	// Once more changes could have arrived, nothing else has: not another
	// tenant's, not others' invitations to alice.
	if _, err := s.CreateInvitation(ctx, storetest.Invitation("tenant-1", alice.Subject, "urn:li:person:last")); err != nil {
		t.Fatal(err)
	}
	aliceR.Wait(wait, "the last one", func(r *notifytest.Receiver) bool { return len(r.Changes()) >= 5 })
	if n := len(aliceR.Changes()); n != 5 {
		t.Errorf("alice got %d notifications; want 5", n)
	}
	if got := outsideR.Changes(); len(got) != 0 {
		t.Errorf("another tenant's subscription got %v; want nothing", seenOf(got))
	}
	// Counted once acknowledged, a moment after the receiver has them.
	appR.Wait(wait, "the delivered notifications counted", func(*notifytest.Receiver) bool {
		return counter(t, reg, "invitations_notifications_delivered_total") >= 10
	})
	if got := counter(t, reg, "invitations_notifications_queued_total"); got < 11 {
		t.Errorf("invitations_notifications_queued_total = %v; want at least 11", got)
	}
}

// counter is the value of the registry's counter name (summed over its
// labels).
func counter(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name {
			sum := 0.0
			for _, m := range f.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
			return sum
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// A receiver that is down gets everything once it is back, in order, the
// notifications that queued up meanwhile in one POST.
func TestReceiverDown(t *testing.T) {
	var d *notify.Dispatcher
	s := newStore(&d)
	r := notifytest.New(t)
	r.Down(true)
	subscribe(t, s, app, all, r)
	var want []seen
	for i := range 5 {
		inv, err := s.CreateInvitation(context.Background(), storetest.Invitation("tenant-1", alice.Subject, fmt.Sprintf("urn:li:person:p%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, seen{"created", inv.ID})
	}
	d = start(t, s, notify.Options{})
	r.Wait(wait, "failed attempts", func(r *notifytest.Receiver) bool { return r.Failed() >= 3 })
	r.Down(false)
	r.Wait(wait, "5 notifications", func(r *notifytest.Receiver) bool { return len(r.Changes()) >= 5 })
	if diff := cmp.Diff(want, seenOf(r.Changes())); diff != "" {
		t.Errorf("notifications after the receiver came back (-want +got):\n%s", diff)
	}
	if posts := r.Posts(); !slices.Equal(posts, []int{5}) {
		t.Errorf("POSTs acknowledged: %v; want one of all 5", posts)
	}
}

// A Retry-After is honoured; the metrics count the retries and time the
// delivery from the change's commit.
func TestRetryAfter(t *testing.T) {
	var d *notify.Dispatcher
	s := newStore(&d)
	r := notifytest.New(t)
	r.Fail(503, "2")
	subscribe(t, s, app, all, r)
	reg := prometheus.NewRegistry()
	d = start(t, s, notify.Options{Metrics: reg})
	if _, err := s.CreateInvitation(context.Background(), storetest.Invitation("tenant-1", alice.Subject, "urn:li:person:bob")); err != nil {
		t.Fatal(err)
	}
	r.Wait(wait, "two attempts", func(r *notifytest.Receiver) bool { return r.Failed() >= 2 })
	r.Fail(0, "")
	r.Wait(wait, "the notification", func(r *notifytest.Receiver) bool { return len(r.Changes()) == 1 })
	at := r.Attempts()
	// The backoff alone would retry within 100 ms.
	if gap := at[1].Sub(at[0]); gap < 2*time.Second-50*time.Millisecond {
		t.Errorf("retried %v after a 503 with Retry-After: 2; want at least 2 s", gap)
	}
	r.Wait(wait, "the delivered notification counted", func(*notifytest.Receiver) bool {
		return counter(t, reg, "invitations_notifications_delivered_total") >= 1
	})
	if got, want := counter(t, reg, "invitations_notifications_retried_total"), float64(r.Failed()); got != want {
		t.Errorf("invitations_notifications_retried_total = %v; want %v, one per failed POST of one notification", got, want)
	}
	n, sum := histogram(t, reg, "invitations_notification_delivery_seconds")
	if n != 1 || sum < 2 {
		t.Errorf("invitations_notification_delivery_seconds: %d samples, %v s in all; want 1, of at least the 2 s the receiver asked for", n, sum)
	}
}

// histogram is the sample count and sum of the registry's histogram name.
func histogram(t *testing.T, reg *prometheus.Registry, name string) (uint64, float64) {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name && len(f.GetMetric()) == 1 {
			h := f.GetMetric()[0].GetHistogram()
			return h.GetSampleCount(), h.GetSampleSum()
		}
	}
	t.Fatalf("no histogram %s", name)
	return 0, 0
}

// A notification still failing when its retry window ends is dropped, and
// its subscription removed: the lifecycle URL is told (missed, then
// subscriptionRemoved), and nothing more is sent.
func TestDropAfterRetryWindow(t *testing.T) {
	var d *notify.Dispatcher
	s := newStore(&d)
	reg := prometheus.NewRegistry()
	d = start(t, s, notify.Options{RetryWindow: time.Second, Metrics: reg})
	r, lc := notifytest.New(t), notifytest.New(t)
	r.Fail(500, "")
	sub := subscribe(t, s, app, all, r, lc)
	ctx := context.Background()
	if _, err := s.CreateInvitation(ctx, storetest.Invitation("tenant-1", alice.Subject, "urn:li:person:bob")); err != nil {
		t.Fatal(err)
	}
	lc.Wait(wait, "two lifecycle notifications", func(r *notifytest.Receiver) bool { return len(r.Lifecycle()) >= 2 })
	var events []string
	for _, n := range lc.Lifecycle() {
		events = append(events, string(n.LifecycleEvent))
		if n.SubscriptionID != sub.ID || n.TenantID != "tenant-1" || n.ClientState == nil || *n.ClientState != sub.ClientState {
			t.Errorf("lifecycle notification %+v; want the subscription's id, tenant and clientState", n)
		}
	}
	if want := []string{"missed", "subscriptionRemoved"}; !slices.Equal(events, want) {
		t.Errorf("lifecycle events %v; want %v", events, want)
	}
	if _, err := s.Subscription(ctx, sub.Tenant, sub.Creator, sub.ID); !errors.Is(err, invitations.ErrNotFound) {
		t.Errorf("Subscription(removed) = %v; want ErrNotFound", err)
	}
	if got := counter(t, reg, "invitations_notifications_dropped_total"); got != 1 {
		t.Errorf("invitations_notifications_dropped_total = %v; want 1", got)
	}
	// Removed, it is told of nothing more, and the receiver is asked nothing.
	failed := r.Failed()
	r.Fail(0, "")
	if _, err := s.CreateInvitation(ctx, storetest.Invitation("tenant-1", alice.Subject, "urn:li:person:carol")); err != nil {
		t.Fatal(err)
	}
	if ds, err := s.ClaimDeliveries(ctx, "test", time.Now().Add(time.Minute), 10, 10); err != nil || len(ds) != 0 {
		t.Errorf("ClaimDeliveries after the removal = %+v, %v; want nothing queued", ds, err)
	}
	if len(r.Changes()) != 0 || r.Failed() != failed {
		t.Errorf("the receiver got %v and %d more attempts after the removal; want nothing", seenOf(r.Changes()), r.Failed()-failed)
	}
}

// One slow subscriber holds up only itself.
func TestSlowSubscriber(t *testing.T) {
	var d *notify.Dispatcher
	s := newStore(&d)
	client := notify.NewClient(notify.ClientOptions{AllowPrivate: true, Timeout: 2 * time.Minute})
	d = start(t, s, notify.Options{Client: client, Concurrency: 2})
	slow, quick := notifytest.New(t), notifytest.New(t)
	slow.Delay(time.Minute)
	subscribe(t, s, app, all, slow)
	subscribe(t, s, alice, all, quick)
	for i := range 3 {
		if _, err := s.CreateInvitation(context.Background(), storetest.Invitation("tenant-1", alice.Subject, fmt.Sprintf("urn:li:person:p%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	quick.Wait(wait, "3 notifications while the other subscriber stalls", func(r *notifytest.Receiver) bool { return len(r.Changes()) == 3 })
	if n := len(slow.Changes()); n != 0 {
		t.Errorf("the slow subscriber acknowledged %d; want none yet", n)
	}
}

// Two dispatchers over one store deliver each notification once.
func TestTwoDispatchers(t *testing.T) {
	var d *notify.Dispatcher
	s := newStore(&d)
	d = start(t, s, notify.Options{})
	start(t, s, notify.Options{})
	r := notifytest.New(t)
	subscribe(t, s, app, all, r)
	subscribe(t, s, alice, all, r)
	const n = 30
	for i := range n {
		if _, err := s.CreateInvitation(context.Background(), storetest.Invitation("tenant-1", alice.Subject, fmt.Sprintf("urn:li:person:p%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	r.Wait(wait, "every notification", func(r *notifytest.Receiver) bool { return len(r.Changes()) >= 2*n })
	ids := map[string]int{}
	for _, c := range r.Changes() {
		ids[c.ID]++
	}
	for id, k := range ids {
		if k != 1 {
			t.Errorf("notification %s delivered %d times; want once", id, k)
		}
	}
	if len(ids) != 2*n {
		t.Errorf("%d notifications delivered; want %d", len(ids), 2*n)
	}
}

// A dispatcher that died holding a lease (its process killed) is taken
// over when the lease runs out; one that stops gives its lease back at
// once. Over SQLite, as after a restart.
func TestLeaseTakeover(t *testing.T) {
	var d *notify.Dispatcher
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"), sqlite.Options{OnQueued: func(n int) {
		if d != nil {
			d.Queued(n)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := notifytest.New(t)
	subscribe(t, s, app, all, r)
	if _, err := s.CreateInvitation(context.Background(), storetest.Invitation("tenant-1", alice.Subject, "urn:li:person:bob")); err != nil {
		t.Fatal(err)
	}
	// The dead dispatcher's lease: two seconds.
	claimed, err := s.ClaimDeliveries(context.Background(), "dead", time.Now().Add(2*time.Second), 10, 10)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("ClaimDeliveries = %v, %v; want the subscription", claimed, err)
	}
	claimedAt := time.Now()
	d = start(t, s, notify.Options{})
	r.Wait(wait, "the notification", func(r *notifytest.Receiver) bool { return len(r.Changes()) == 1 })
	if took := time.Since(claimedAt); took < time.Second {
		t.Errorf("delivered %v after another's 2 s lease was taken; want after the lease ran out", took)
	}
}

// A subscriber that acknowledges a POST and then answers without end is
// read no further than a small limit: the notification counts as
// delivered at once, not when the client's timeout (a minute here) ends
// the answer.
func TestDeliveryReadsLittle(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
		chunk := []byte(strings.Repeat("ok ", 1000))
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	var d *notify.Dispatcher
	s := newStore(&d)
	reg := prometheus.NewRegistry()
	client := notify.NewClient(notify.ClientOptions{AllowPrivate: true, Timeout: time.Minute})
	d = start(t, s, notify.Options{Client: client, Metrics: reg})
	now := time.Now()
	sub := app.NewSubscription(invitations.Subscription{ChangeTypes: all, NotificationURL: srv.URL + "/notify",
		Expiration: now.Add(time.Hour)}, now)
	if _, err := s.CreateSubscription(context.Background(), sub); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateInvitation(context.Background(), storetest.Invitation("tenant-1", alice.Subject, "urn:li:person:bob")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(wait / 2)
	for counter(t, reg, "invitations_notifications_delivered_total") < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("a notification acknowledged by an endless answer is not delivered after %v; the dispatcher must read only a small part of it", wait/2)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
