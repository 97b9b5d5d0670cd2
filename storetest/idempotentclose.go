package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations"
)

// keyedClose is a close with key by caller, for the request fingerprint.
func keyedClose(caller invitations.Caller, key, fingerprint string) invitations.IdempotentRequest {
	return invitations.IdempotentRequest{
		Key:         invitations.IdempotencyKey{Tenant: caller.Tenant, Subject: caller.Subject, Key: key},
		Operation:   invitations.OpCloseInvitations,
		Fingerprint: fingerprint,
	}
}

// mustCloseKeyed carries out r under req, failing the test on an error.
func mustCloseKeyed(t *testing.T, s invitations.Store, r invitations.CloseRequest, req invitations.IdempotentRequest) invitations.Outcome {
	t.Helper()
	out, err := s.CloseInvitationsIdempotent(context.Background(), r, req)
	if err != nil {
		t.Fatalf("CloseInvitationsIdempotent(%q): %v", req.Key.Key, err)
	}
	return out
}

// recorded is a close's outcome as a retry gets it: replayed, each result
// as recorded (without its invitation).
func recorded(out invitations.Outcome) invitations.Outcome {
	rec := invitations.Outcome{Replayed: true, CloseResults: make([]invitations.CloseResult, len(out.CloseResults))}
	for i, res := range out.CloseResults {
		rec.CloseResults[i] = invitations.CloseResult{ID: res.ID, Changed: res.Changed, Err: res.Err}
	}
	return rec
}

// sameResults compares CloseResults, their errors as *Errors.
var sameResults = cmp.Options{sameError, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Err" },
	cmp.Comparer(func(a, b error) bool {
		var ea, eb *invitations.Error
		return a == nil && b == nil || errors.As(a, &ea) && errors.As(b, &eb) && *ea == *eb
	}))}

// The first close with a key closes and records each id's result; a retry
// gets those results, even once the invitations have changed, and changes
// nothing.
func testIdempotentClose(t *testing.T, s invitations.Store) {
	ctx := context.Background()
	const alice, bob, carol = "urn:li:person:alice", "urn:li:person:bob", "urn:li:person:carol"
	toBob := mustCreate(t, s, Invitation("tenant-1", alice, bob))
	toBob2 := mustCreate(t, s, Invitation("tenant-1", carol, bob))
	fromBob := mustCreate(t, s, Invitation("tenant-1", bob, carol))
	ignored := mustCreate(t, s, Invitation("tenant-1", "urn:li:person:dan", bob))
	mustClose(t, s, application("tenant-1"), invitations.ActionIgnore, ignored.ID)
	const missing = "3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60"

	caller := member("tenant-1", bob)
	r := invitations.CloseRequest{Caller: caller, Action: invitations.ActionAccept,
		IDs: []string{toBob.ID, missing, fromBob.ID, ignored.ID, toBob2.ID}}
	req := keyedClose(caller, "close-key", "fingerprint-1")
	first := mustCloseKeyed(t, s, r, req)
	if first.Replayed || first.Invitation != nil || first.Refusal != nil || len(first.CloseResults) != len(r.IDs) {
		t.Fatalf("CloseInvitationsIdempotent = %+v; want %d results, not replayed", first, len(r.IDs))
	}
	wantErr := []error{nil, invitations.ErrNotFound, invitations.ErrForbidden, invitations.ErrConflict, nil}
	for i, res := range first.CloseResults {
		if res.ID != r.IDs[i] || !errors.Is(res.Err, wantErr[i]) || (res.Err == nil) != (wantErr[i] == nil) || res.Changed != (wantErr[i] == nil) {
			t.Errorf("result %d = %s, changed %v, %v; want %s, %v", i, res.ID, res.Changed, res.Err, r.IDs[i], wantErr[i])
		}
	}
	accepted := []invitations.Invitation{get(t, s, "tenant-1", toBob.ID), get(t, s, "tenant-1", toBob2.ID)}
	for i, inv := range accepted {
		if inv.State != invitations.StateAccepted || inv.Version != 2 {
			t.Errorf("%s is %s at version %d after the keyed accept; want accepted at 2", inv.ID, inv.State, inv.Version)
		}
		if diff := cmp.Diff(inv, first.CloseResults[[]int{0, 4}[i]].Invitation); diff != "" {
			t.Errorf("the outcome's invitation (-stored +outcome):\n%s", diff)
		}
	}

	replay := func(when string) {
		t.Helper()
		out, err := s.CloseInvitationsIdempotent(ctx, r, req)
		if err != nil {
			t.Fatalf("CloseInvitationsIdempotent %s: %v", when, err)
		}
		if diff := cmp.Diff(recorded(first), out, sameResults); diff != "" {
			t.Errorf("CloseInvitationsIdempotent %s (-first, as recorded +got):\n%s", when, diff)
		}
	}
	replay("again")
	// The invitations change: one is deleted, and a fresh close would find
	// it missing; the replay still says what the first request did.
	if err := s.DeleteInvitation(ctx, "tenant-1", toBob.ID, 0); err != nil {
		t.Fatal(err)
	}
	replay("after one of its invitations was deleted")
	if fresh := closeAll(t, s, caller, invitations.ActionAccept, toBob.ID)[0]; !errors.Is(fresh.Err, invitations.ErrNotFound) {
		t.Errorf("a close without the key, of the deleted one = %v; want ErrNotFound", fresh.Err)
	}
	// A replay changes nothing.
	if diff := cmp.Diff(accepted[1], get(t, s, "tenant-1", toBob2.ID)); diff != "" {
		t.Errorf("the replays changed %s (-after the first +now):\n%s", toBob2.ID, diff)
	}
	if got := get(t, s, "tenant-1", fromBob.ID); got.State != invitations.StatePending || got.Version != 1 {
		t.Errorf("%s is %s at version %d; want pending at 1 (its entry failed)", got.ID, got.State, got.Version)
	}
}

// The key with another request is refused, and closes nothing: another
// body, and a create's key (the same key on a create and a close is two
// requests, whichever came first).
func testIdempotentCloseKeyReused(t *testing.T, s invitations.Store) {
	ctx := context.Background()
	app := application("tenant-1")
	pending := mustCreate(t, s, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"))
	first := mustCreate(t, s, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:carol"))
	mustCloseKeyed(t, s, invitations.CloseRequest{Caller: app, Action: invitations.ActionAccept, IDs: []string{first.ID}},
		keyedClose(app, "close-key", "fingerprint-1"))
	created := mustCreateKeyed(t, s, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:dan"),
		invitations.IdempotentRequest{Key: invitations.IdempotencyKey{Tenant: "tenant-1", Subject: app.Subject, Key: "create-key"},
			Operation: invitations.OpCreateInvitation, Fingerprint: "fingerprint-1"})

	r := invitations.CloseRequest{Caller: app, Action: invitations.ActionIgnore, IDs: []string{pending.ID}}
	for _, req := range []invitations.IdempotentRequest{
		keyedClose(app, "close-key", "fingerprint-2"),
		keyedClose(app, "create-key", "fingerprint-1"),
	} {
		if out, err := s.CloseInvitationsIdempotent(ctx, r, req); !errors.Is(err, invitations.ErrKeyReused) {
			t.Errorf("CloseInvitationsIdempotent(%s, %s) = %+v, %v; want ErrKeyReused", req.Key.Key, req.Fingerprint, out, err)
		}
	}
	if got := get(t, s, "tenant-1", pending.ID); got.State != invitations.StatePending || got.Version != 1 {
		t.Errorf("%s is %s at version %d after closes refused for their key; want pending at 1", got.ID, got.State, got.Version)
	}
	// A create with the close's key.
	closeKey := keyedClose(app, "close-key", "fingerprint-1")
	closeKey.Operation = invitations.OpCreateInvitation
	if out, err := s.CreateInvitationIdempotent(ctx, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:erin"), closeKey); !errors.Is(err, invitations.ErrKeyReused) {
		t.Errorf("CreateInvitationIdempotent with a close's key = %+v, %v; want ErrKeyReused", out, err)
	}
	if n := count(t, s); n != 3 {
		t.Errorf("tenant-1 has %d invitations; want 3 (none created by a refused request)", n)
	}
	if created.Invitation == nil {
		t.Errorf("the keyed create = %+v; want an invitation", created)
	}
}

// A close that fails records nothing: the key stays free for a retry.
func testIdempotentCloseFailure(t *testing.T, s invitations.Store) {
	app := application("tenant-1")
	inv := mustCreate(t, s, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"))
	r := invitations.CloseRequest{Caller: app, Action: invitations.ActionAccept, IDs: []string{inv.ID}}
	req := keyedClose(app, "close-key", "fingerprint-1")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if out, err := s.CloseInvitationsIdempotent(cancelled, r, req); err == nil {
		t.Fatalf("CloseInvitationsIdempotent with its context cancelled = %+v; want an error", out)
	}
	if got := get(t, s, "tenant-1", inv.ID); got.State != invitations.StatePending {
		t.Errorf("%s is %s after a failed close; want pending", inv.ID, got.State)
	}
	if out := mustCloseKeyed(t, s, r, req); out.Replayed || len(out.CloseResults) != 1 || !out.CloseResults[0].Changed {
		t.Errorf("CloseInvitationsIdempotent after a failed one = %+v; want the invitation closed now", out)
	}
}

// After invitations.IdempotencyTTL a close's key is new again.
func testIdempotentCloseExpiry(t *testing.T, s invitations.Store, clock *Clock) {
	ctx := context.Background()
	app := application("tenant-1")
	a := mustCreate(t, s, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"))
	b := mustCreate(t, s, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:carol"))
	mustCloseKeyed(t, s, invitations.CloseRequest{Caller: app, Action: invitations.ActionAccept, IDs: []string{a.ID}},
		keyedClose(app, "close-key", "fingerprint-1"))
	other := invitations.CloseRequest{Caller: app, Action: invitations.ActionIgnore, IDs: []string{b.ID}}
	clock.Add(invitations.IdempotencyTTL - time.Millisecond)
	if _, err := s.CloseInvitationsIdempotent(ctx, other, keyedClose(app, "close-key", "fingerprint-2")); !errors.Is(err, invitations.ErrKeyReused) {
		t.Errorf("another close with the key just before it expires = %v; want ErrKeyReused", err)
	}
	clock.Add(time.Millisecond)
	out, err := s.CloseInvitationsIdempotent(ctx, other, keyedClose(app, "close-key", "fingerprint-2"))
	if err != nil || out.Replayed || len(out.CloseResults) != 1 || !out.CloseResults[0].Changed {
		t.Errorf("another close with the key once it expired = %+v, %v; want it carried out", out, err)
	}
	if got := get(t, s, "tenant-1", b.ID); got.State != invitations.StateIgnored {
		t.Errorf("%s is %s; want ignored", b.ID, got.State)
	}
}

// Many closes with one key at once: exactly one carries out the closes;
// each other one gets its results, replayed, or (on an engine that can
// tell) is told that the first is in progress.
func testIdempotentCloseConcurrent(t *testing.T, s invitations.Store) {
	const n = 16
	app := application("tenant-1")
	var ids []string
	for _, invitee := range []string{"urn:li:person:bob", "urn:li:person:carol", "urn:li:email:dan@example.com"} {
		ids = append(ids, mustCreate(t, s, Invitation("tenant-1", "urn:li:person:alice", invitee)).ID)
	}
	r := invitations.CloseRequest{Caller: app, Action: invitations.ActionAccept, IDs: ids}
	var (
		wg         sync.WaitGroup
		mu         sync.Mutex
		firsts     []invitations.Outcome
		replays    []invitations.Outcome
		inProgress int
	)
	for range n {
		wg.Go(func() {
			out, err := s.CloseInvitationsIdempotent(context.Background(), r, keyedClose(app, "close-key", "fingerprint-1"))
			mu.Lock()
			defer mu.Unlock()
			var e *invitations.Error
			switch {
			case err == nil && out.Replayed:
				replays = append(replays, out)
			case err == nil && len(out.CloseResults) == len(ids):
				firsts = append(firsts, out)
			case errors.Is(err, invitations.ErrConflict) && errors.As(err, &e) && e.Target == "Idempotency-Key":
				inProgress++
			default:
				t.Errorf("CloseInvitationsIdempotent = %+v, %v; want results, a replay or the key in progress", out, err)
			}
		})
	}
	wg.Wait()
	if len(firsts) != 1 || inProgress+len(replays) != n-1 {
		t.Fatalf("%d closes with one key: %d carried out, %d in progress, %d replays; want 1 carried out", n, len(firsts), inProgress, len(replays))
	}
	for _, res := range firsts[0].CloseResults {
		if res.Err != nil || !res.Changed {
			t.Errorf("the close carried out: %s = changed %v, %v; want changed", res.ID, res.Changed, res.Err)
		}
	}
	for _, rep := range replays {
		if diff := cmp.Diff(recorded(firsts[0]), rep, sameResults); diff != "" {
			t.Errorf("a replay differs from the first outcome (-first, as recorded +replay):\n%s", diff)
		}
	}
	for _, id := range ids {
		if inv := get(t, s, "tenant-1", id); inv.State != invitations.StateAccepted || inv.Version != 2 {
			t.Errorf("%s is %s at version %d; want accepted at 2 (closed once)", id, inv.State, inv.Version)
		}
	}
}
