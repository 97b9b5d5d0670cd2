package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations"
)

// leaseFor is how long the cases' leases last.
const leaseFor = 30 * time.Second

// queued is a notification as the cases compare it.
type queued struct {
	Change     invitations.ChangeType
	Invitation string
	Lifecycle  invitations.LifecycleEvent
}

// drain claims every due subscription as owner "drain", acknowledges all
// it has queued, and returns what each had, by subscription id. It checks
// that every notification has an id of its own, its subscription's, a time,
// and a Seq above the one before it.
func drain(t *testing.T, s invitations.Store, clock *Clock) map[string][]queued {
	t.Helper()
	ctx := context.Background()
	out := map[string][]queued{}
	deliveries, err := s.ClaimDeliveries(ctx, "drain", clock.Now().Add(leaseFor), 1000, 2)
	if err != nil {
		t.Fatalf("ClaimDeliveries: %v", err)
	}
	for _, d := range deliveries {
		id := d.Subscription.ID
		var last int64
		for batch := d.Notifications; len(batch) > 0; {
			var seqs []int64
			for _, n := range batch {
				if n.ID == "" || n.SubscriptionID != id || n.Queued.IsZero() || n.Seq <= last {
					t.Errorf("notification %+v of %s after Seq %d; want an id, its subscription, a time, a greater Seq", n, id, last)
				}
				last = n.Seq
				seqs = append(seqs, n.Seq)
				out[id] = append(out[id], queued{n.Change, n.InvitationID, n.Lifecycle})
			}
			if batch, err = s.Acknowledge(ctx, "drain", id, seqs, clock.Now().Add(leaseFor), 2); err != nil {
				t.Fatalf("Acknowledge: %v", err)
			}
		}
	}
	return out
}

// Every write queues a notification for each subscription that sees it and
// asked for its change type, in the order of the writes; a write that
// fails queues nothing; nothing crosses tenants.
func testOutboxChanges(t *testing.T, s invitations.Store, clock *Clock) {
	ctx := context.Background()
	app := subscribe(t, s, clock, reader("tenant-1", ""), all)
	alice := subscribe(t, s, clock, reader("tenant-1", "urn:li:person:alice"), all)
	aliceCreates := subscribe(t, s, clock, reader("tenant-1", "urn:li:person:alice"), invitations.ChangeCreated)
	subscribe(t, s, clock, reader("tenant-1", "urn:li:person:carol"), all) // sees none of the changes
	other := subscribe(t, s, clock, reader("tenant-2", ""), all)
	gone := subscribe(t, s, clock, reader("tenant-1", "urn:li:person:dan"), all)
	if err := s.DeleteSubscription(ctx, "tenant-1", gone.Creator, gone.ID); err != nil {
		t.Fatal(err)
	}

	first, err := s.CreateInvitation(ctx, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"))
	if err != nil {
		t.Fatal(err)
	}
	req := keyed("key-1", "fingerprint-1")
	out, err := s.CreateInvitationIdempotent(ctx, Invitation("tenant-1", "urn:li:person:dan", "urn:li:person:erin"), req)
	if err != nil {
		t.Fatal(err)
	}
	second := out.Invitation
	// Writes that fail, or do nothing, queue nothing.
	if _, err := s.CreateInvitation(ctx, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob")); !errors.Is(err, invitations.ErrConflict) {
		t.Fatalf("CreateInvitation(the same pair) = %v; want ErrConflict", err)
	}
	if out, err := s.CreateInvitationIdempotent(ctx, Invitation("tenant-1", "urn:li:person:dan", "urn:li:person:erin"), req); err != nil || !out.Replayed {
		t.Fatalf("CreateInvitationIdempotent again = %+v, %v; want a replay", out, err)
	}
	if _, err := s.CreateInvitationIdempotent(ctx, Invitation("tenant-1", "urn:li:person:dan", "urn:li:person:erin"), keyed("key-2", "fingerprint-2")); err != nil {
		t.Fatalf("CreateInvitationIdempotent(the same pair, another key): %v", err)
	}
	changed := first
	changed.TrackingID = "t-1"
	if _, err := s.UpdateInvitation(ctx, changed, 7); !errors.Is(err, invitations.ErrPreconditionFailed) {
		t.Fatalf("UpdateInvitation(a stale version) = %v; want ErrPreconditionFailed", err)
	}
	if _, err := s.UpdateInvitation(ctx, changed, first.Version); err != nil {
		t.Fatal(err)
	}
	mustClose(t, s, member("tenant-1", "urn:li:person:bob"), invitations.ActionAccept, first.ID)
	mustClose(t, s, member("tenant-1", "urn:li:person:bob"), invitations.ActionAccept, first.ID) // changes nothing
	if err := s.DeleteInvitation(ctx, "tenant-1", first.ID, 1); !errors.Is(err, invitations.ErrPreconditionFailed) {
		t.Fatalf("DeleteInvitation(a stale version) = %v; want ErrPreconditionFailed", err)
	}
	if err := s.DeleteInvitation(ctx, "tenant-1", first.ID, 0); err != nil {
		t.Fatal(err)
	}
	third, err := s.CreateInvitation(ctx, Invitation("tenant-2", "urn:li:person:alice", "urn:li:person:bob"))
	if err != nil {
		t.Fatal(err)
	}

	c, u, d := invitations.ChangeCreated, invitations.ChangeUpdated, invitations.ChangeDeleted
	ofFirst := []queued{{c, first.ID, ""}, {u, first.ID, ""}, {u, first.ID, ""}, {d, first.ID, ""}}
	want := map[string][]queued{
		app.ID:          {{c, first.ID, ""}, {c, second.ID, ""}, {u, first.ID, ""}, {u, first.ID, ""}, {d, first.ID, ""}},
		alice.ID:        ofFirst,
		aliceCreates.ID: {{c, first.ID, ""}},
		other.ID:        {{c, third.ID, ""}},
	}
	if diff := cmp.Diff(want, drain(t, s, clock)); diff != "" {
		t.Errorf("queued notifications, by subscription (-want +got):\n%s", diff)
	}
	if got := drain(t, s, clock); len(got) != 0 {
		t.Errorf("after acknowledging everything, still queued: %v", got)
	}
}

// A close of several invitations queues one notification for each it
// changed, in the request's order, for each subscription that sees it; an
// entry that fails or changes nothing queues none, keyed or not, and a
// replay queues nothing.
func testOutboxClose(t *testing.T, s invitations.Store, clock *Clock) {
	ctx := context.Background()
	create := func(tenant, inviter, invitee string) invitations.Invitation {
		t.Helper()
		inv, err := s.CreateInvitation(ctx, Invitation(tenant, inviter, invitee))
		if err != nil {
			t.Fatal(err)
		}
		return inv
	}
	toBob := create("tenant-1", "urn:li:person:alice", "urn:li:person:bob")
	toCarol := create("tenant-1", "urn:li:person:alice", "urn:li:person:carol")
	toErin := create("tenant-1", "urn:li:person:dan", "urn:li:person:erin")
	toFrank := create("tenant-1", "urn:li:person:dan", "urn:li:person:frank")
	elsewhere := create("tenant-2", "urn:li:person:alice", "urn:li:person:bob")
	mustClose(t, s, application("tenant-1"), invitations.ActionAccept, toFrank.ID)

	app := subscribe(t, s, clock, reader("tenant-1", ""), all)
	bob := subscribe(t, s, clock, reader("tenant-1", "urn:li:person:bob"), all)
	carolUpdates := subscribe(t, s, clock, reader("tenant-1", "urn:li:person:carol"), invitations.ChangeUpdated)
	subscribe(t, s, clock, reader("tenant-1", "urn:li:person:alice"), invitations.ChangeCreated|invitations.ChangeDeleted)
	subscribe(t, s, clock, reader("tenant-2", ""), all)

	caller := application("tenant-1")
	closeAll(t, s, caller, invitations.ActionAccept, toBob.ID, "no-such-id", elsewhere.ID, toFrank.ID, toCarol.ID)
	r := invitations.CloseRequest{Caller: caller, Action: invitations.ActionIgnore, IDs: []string{toErin.ID, toFrank.ID}}
	req := keyedClose(caller, "key-1", "fingerprint-1")
	if out := mustCloseKeyed(t, s, r, req); !out.CloseResults[0].Changed || out.CloseResults[1].Err == nil {
		t.Fatalf("CloseInvitationsIdempotent = %+v; want the first closed and the second a conflict", out)
	}
	if out := mustCloseKeyed(t, s, r, req); !out.Replayed {
		t.Fatalf("CloseInvitationsIdempotent again = %+v; want a replay", out)
	}

	u := invitations.ChangeUpdated
	want := map[string][]queued{
		app.ID:          {{u, toBob.ID, ""}, {u, toCarol.ID, ""}, {u, toErin.ID, ""}},
		bob.ID:          {{u, toBob.ID, ""}},
		carolUpdates.ID: {{u, toCarol.ID, ""}},
	}
	if diff := cmp.Diff(want, drain(t, s, clock)); diff != "" {
		t.Errorf("queued notifications, by subscription (-want +got):\n%s", diff)
	}
}

// A subscription is leased to one dispatcher at a time; a lease that runs
// out is taken over; a retry waits until it is due; a dispatcher that lost
// its lease changes nothing.
func testOutboxLeases(t *testing.T, s invitations.Store, clock *Clock) {
	ctx := context.Background()
	sub := subscribe(t, s, clock, reader("tenant-1", ""), all)
	var ids []string
	for i := range 5 {
		inv, err := s.CreateInvitation(ctx, Invitation("tenant-1", "urn:li:person:alice", fmt.Sprintf("urn:li:person:p%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, inv.ID)
	}
	invitationsOf := func(ns []invitations.Notification) []string {
		var out []string
		for _, n := range ns {
			out = append(out, n.InvitationID)
		}
		return out
	}
	seqsOf := func(ns []invitations.Notification) []int64 {
		var out []int64
		for _, n := range ns {
			out = append(out, n.Seq)
		}
		return out
	}
	claim := func(owner string) []invitations.Delivery {
		t.Helper()
		ds, err := s.ClaimDeliveries(ctx, owner, clock.Now().Add(leaseFor), 10, 2)
		if err != nil {
			t.Fatalf("ClaimDeliveries(%s): %v", owner, err)
		}
		return ds
	}

	a := claim("a")
	if len(a) != 1 || a[0].Subscription.ID != sub.ID || a[0].Removed || a[0].Attempts != 0 ||
		!slices.Equal(invitationsOf(a[0].Notifications), ids[:2]) {
		t.Fatalf("ClaimDeliveries(a) = %+v; want the subscription with its first two notifications", a)
	}
	if diff := cmp.Diff(sub, a[0].Subscription); diff != "" {
		t.Errorf("claimed subscription (-want +got):\n%s", diff)
	}
	if b := claim("b"); len(b) != 0 {
		t.Errorf("ClaimDeliveries(b) while a holds the lease = %+v; want none", b)
	}
	next, err := s.Acknowledge(ctx, "a", sub.ID, seqsOf(a[0].Notifications), clock.Now().Add(leaseFor), 2)
	if err != nil || !slices.Equal(invitationsOf(next), ids[2:4]) {
		t.Fatalf("Acknowledge = %v, %v; want the next two", invitationsOf(next), err)
	}

	// a stalls past its lease: b takes over where a was.
	clock.Add(leaseFor + time.Second)
	b := claim("b")
	if len(b) != 1 || !slices.Equal(invitationsOf(b[0].Notifications), ids[2:4]) {
		t.Fatalf("ClaimDeliveries(b) after a's lease ran out = %+v; want the next two", b)
	}
	if err := s.Retry(ctx, "a", sub.ID, 1, clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Drop(ctx, "a", sub.ID); err != nil || n != 0 {
		t.Errorf("Drop by a, which lost its lease = %d, %v; want 0, nil", n, err)
	}
	if c := claim("c"); len(c) != 0 {
		t.Errorf("ClaimDeliveries(c) while b holds the lease = %+v; want none (a's Retry must not release b's lease)", c)
	}

	// b fails: the subscription is due again in 10 s, with its attempts.
	if err := s.Retry(ctx, "b", sub.ID, 3, clock.Now().Add(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if c := claim("c"); len(c) != 0 {
		t.Errorf("ClaimDeliveries before the retry is due = %+v; want none", c)
	}
	clock.Add(10 * time.Second)
	c := claim("c")
	if len(c) != 1 || c[0].Attempts != 3 || !slices.Equal(invitationsOf(c[0].Notifications), ids[2:4]) {
		t.Fatalf("ClaimDeliveries once the retry is due = %+v; want the same two, 3 attempts", c)
	}
	next, err = s.Acknowledge(ctx, "c", sub.ID, seqsOf(c[0].Notifications), clock.Now().Add(leaseFor), 2)
	if err != nil || !slices.Equal(invitationsOf(next), ids[4:]) {
		t.Fatalf("Acknowledge = %v, %v; want the last one", invitationsOf(next), err)
	}
	if next, err = s.Acknowledge(ctx, "c", sub.ID, seqsOf(next), clock.Now().Add(leaseFor), 2); err != nil || len(next) != 0 {
		t.Fatalf("Acknowledge(the last) = %v, %v; want nothing more", next, err)
	}
	if d := claim("d"); len(d) != 0 {
		t.Errorf("ClaimDeliveries with nothing queued = %+v; want none", d)
	}
	// The lease was released with the last acknowledgement, attempts
	// forgotten: the next change is claimed at once.
	if _, err := s.CreateInvitation(ctx, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:last")); err != nil {
		t.Fatal(err)
	}
	if d := claim("d"); len(d) != 1 || d[0].Attempts != 0 || len(d[0].Notifications) != 1 {
		t.Errorf("ClaimDeliveries after a new change = %+v; want it, no attempts", d)
	}
}

// Giving up on a subscription removes it and queues its lifecycle
// notifications (missed, subscriptionRemoved); giving up on those deletes
// it. Without a lifecycle URL it is deleted at once.
func testOutboxDrop(t *testing.T, s invitations.Store, clock *Clock) {
	ctx := context.Background()
	sub := subscribe(t, s, clock, reader("tenant-1", ""), all)
	quiet := reader("tenant-1", "urn:li:person:alice")
	plain := quiet.NewSubscription(invitations.Subscription{ChangeTypes: all, NotificationURL: "https://receiver.example/plain",
		Expiration: clock.Now().Add(time.Hour)}, clock.Now())
	if _, err := s.CreateSubscription(ctx, plain); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if _, err := s.CreateInvitation(ctx, Invitation("tenant-1", "urn:li:person:alice", fmt.Sprintf("urn:li:person:p%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	ds, err := s.ClaimDeliveries(ctx, "a", clock.Now().Add(leaseFor), 10, 1)
	if err != nil || len(ds) != 2 {
		t.Fatalf("ClaimDeliveries = %+v, %v; want both subscriptions", ds, err)
	}
	for _, id := range []string{sub.ID, plain.ID} {
		if n, err := s.Drop(ctx, "a", id); err != nil || n != 2 {
			t.Errorf("Drop(%s) = %d, %v; want 2 discarded", id, n, err)
		}
	}
	if _, err := s.Subscription(ctx, "tenant-1", sub.Creator, sub.ID); !errors.Is(err, invitations.ErrNotFound) {
		t.Errorf("Subscription(dropped) = %v; want ErrNotFound", err)
	}
	if _, err := s.CreateInvitation(ctx, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:after")); err != nil {
		t.Fatal(err)
	}
	ds, err = s.ClaimDeliveries(ctx, "b", clock.Now().Add(leaseFor), 10, 10)
	if err != nil || len(ds) != 1 || ds[0].Subscription.ID != sub.ID || !ds[0].Removed {
		t.Fatalf("ClaimDeliveries after Drop = %+v, %v; want the removed subscription's lifecycle notifications", ds, err)
	}
	var got []queued
	for _, n := range ds[0].Notifications {
		got = append(got, queued{n.Change, n.InvitationID, n.Lifecycle})
	}
	want := []queued{{Lifecycle: invitations.LifecycleMissed}, {Lifecycle: invitations.LifecycleRemoved}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lifecycle notifications (-want +got):\n%s", diff)
	}
	if n, err := s.Drop(ctx, "b", sub.ID); err != nil || n != 2 {
		t.Errorf("Drop(removed) = %d, %v; want its 2 lifecycle notifications discarded", n, err)
	}
	if left := drain(t, s, clock); len(left) != 0 {
		t.Errorf("after dropping everything, queued: %v", left)
	}

	// Removed with nothing queued: subscriptionRemoved alone.
	lost := subscribe(t, s, clock, reader("tenant-1", "urn:li:person:bob"), all)
	if err := s.RemoveSubscription(ctx, "tenant-1", lost.Creator, lost.ID); err != nil {
		t.Fatal(err)
	}
	want = []queued{{Lifecycle: invitations.LifecycleRemoved}}
	if diff := cmp.Diff(map[string][]queued{lost.ID: want}, drain(t, s, clock)); diff != "" {
		t.Errorf("after RemoveSubscription (-want +got):\n%s", diff)
	}
	// Delivered, the removed subscription is purged.
	if n, err := s.PurgeSubscriptions(ctx); err != nil || n != 0 {
		t.Errorf("PurgeSubscriptions = %d, %v; want 0 discarded", n, err)
	}
	if _, err := s.Drop(ctx, "drain", lost.ID); err != nil {
		t.Errorf("Drop(purged) = %v; want nil", err)
	}
}

// An expired subscription is no longer delivered, and the purge deletes it
// with what it had queued.
func testOutboxExpiry(t *testing.T, s invitations.Store, clock *Clock) {
	ctx := context.Background()
	caller := reader("tenant-1", "")
	sub := caller.NewSubscription(invitations.Subscription{ChangeTypes: all, NotificationURL: "https://receiver.example/n",
		Expiration: clock.Now().Add(time.Hour)}, clock.Now())
	if _, err := s.CreateSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := s.CreateInvitation(ctx, Invitation("tenant-1", "urn:li:person:alice", fmt.Sprintf("urn:li:person:p%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.PurgeSubscriptions(ctx); err != nil || n != 0 {
		t.Errorf("PurgeSubscriptions before it expires = %d, %v; want 0", n, err)
	}
	clock.Add(time.Hour)
	if _, err := s.CreateInvitation(ctx, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:late")); err != nil {
		t.Fatal(err)
	}
	if ds, err := s.ClaimDeliveries(ctx, "a", clock.Now().Add(leaseFor), 10, 10); err != nil || len(ds) != 0 {
		t.Errorf("ClaimDeliveries once it expired = %+v, %v; want none", ds, err)
	}
	if n, err := s.PurgeSubscriptions(ctx); err != nil || n != 3 {
		t.Errorf("PurgeSubscriptions once it expired = %d, %v; want its 3 queued notifications discarded", n, err)
	}
	if n, err := s.PurgeSubscriptions(ctx); err != nil || n != 0 {
		t.Errorf("PurgeSubscriptions again = %d, %v; want 0", n, err)
	}
}

// Dispatchers claiming at once each get other subscriptions.
func testOutboxConcurrentClaims(t *testing.T, s invitations.Store, clock *Clock) {
	ctx := context.Background()
	const subs = 12
	for i := range subs {
		tenant := fmt.Sprintf("tenant-%d", i)
		subscribe(t, s, clock, reader(tenant, ""), all)
		if _, err := s.CreateInvitation(ctx, Invitation(tenant, "urn:li:person:alice", "urn:li:person:bob")); err != nil {
			t.Fatal(err)
		}
	}
	var (
		mu      sync.Mutex
		claimed = map[string]string{} // subscription -> owner
		wg      sync.WaitGroup
	)
	for i := range 6 {
		wg.Go(func() {
			owner := fmt.Sprintf("owner-%d", i)
			ds, err := s.ClaimDeliveries(ctx, owner, clock.Now().Add(leaseFor), 3, 1)
			if err != nil {
				t.Errorf("ClaimDeliveries(%s): %v", owner, err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, d := range ds {
				if prev, ok := claimed[d.Subscription.ID]; ok {
					t.Errorf("subscription %s claimed by %s and %s", d.Subscription.ID, prev, owner)
				}
				claimed[d.Subscription.ID] = owner
			}
		})
	}
	wg.Wait()
	if len(claimed) != subs {
		t.Errorf("%d subscriptions claimed by 6 dispatchers taking 3 each; want all %d", len(claimed), subs)
	}
}
