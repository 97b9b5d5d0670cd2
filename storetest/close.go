package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations"
)

// The callers of the life-cycle cases.
func application(tenant string) invitations.Caller {
	return invitations.Caller{Tenant: tenant, Subject: "app-id", Roles: []string{invitations.PermReadWriteAll}}
}

func member(tenant, person string) invitations.Caller {
	return invitations.Caller{Tenant: tenant, Subject: person, Scopes: []string{invitations.PermReadWrite}}
}

// closeAll runs one close request and checks that it answers once per id,
// in order.
func closeAll(t *testing.T, s invitations.Store, caller invitations.Caller, action invitations.Action, ids ...string) []invitations.CloseResult {
	t.Helper()
	results, err := s.CloseInvitations(context.Background(), invitations.CloseRequest{Caller: caller, Action: action, IDs: ids})
	if err != nil {
		t.Fatalf("CloseInvitations(%s %v): %v", action, ids, err)
	}
	if len(results) != len(ids) {
		t.Fatalf("CloseInvitations(%s %v) = %d results; want %d", action, ids, len(results), len(ids))
	}
	for i, res := range results {
		if res.ID != ids[i] {
			t.Errorf("result %d is for %s; want %s (the request's order)", i, res.ID, ids[i])
		}
	}
	return results
}

// mustClose closes the invitations and returns them as closed.
func mustClose(t *testing.T, s invitations.Store, caller invitations.Caller, action invitations.Action, ids ...string) []invitations.Invitation {
	t.Helper()
	var out []invitations.Invitation
	for _, res := range closeAll(t, s, caller, action, ids...) {
		if res.Err != nil {
			t.Fatalf("closing %s: %v", res.ID, res.Err)
		}
		out = append(out, res.Invitation)
	}
	return out
}

// get reads an invitation that must exist.
func get(t *testing.T, s invitations.Store, tenant, id string) invitations.Invitation {
	t.Helper()
	inv, err := s.Invitation(context.Background(), tenant, id)
	if err != nil {
		t.Fatalf("Invitation(%s): %v", id, err)
	}
	return inv
}

// The invitee accepts one invitation and ignores another: each is closed,
// with its closed time, lastModified and version moved, stored as answered.
func testClose(t *testing.T, s invitations.Store) {
	const bob = "urn:li:person:bob"
	a := mustCreate(t, s, invitations.Invitation{Tenant: "tenant-1", Inviter: "urn:li:person:alice", Invitee: bob,
		Message: &invitations.Message{Body: "hi"}, TrackingID: "t-1"})
	b := mustCreate(t, s, Invitation("tenant-1", "urn:li:person:carol", bob))
	before := time.Now().Truncate(time.Millisecond)
	for _, tt := range []struct {
		inv    invitations.Invitation
		action invitations.Action
		state  invitations.State
	}{
		{a, invitations.ActionAccept, invitations.StateAccepted},
		{b, invitations.ActionIgnore, invitations.StateIgnored},
	} {
		res := closeAll(t, s, member("tenant-1", bob), tt.action, tt.inv.ID)[0]
		if res.Err != nil || !res.Changed {
			t.Fatalf("%s %s = changed %v, %v; want changed", tt.action, tt.inv.ID, res.Changed, res.Err)
		}
		got := res.Invitation
		// Now, or a millisecond after the create, if that is later.
		latest := time.Now()
		if next := tt.inv.LastModified.Add(time.Millisecond); next.After(latest) {
			latest = next
		}
		if got.Closed.Before(before) || got.Closed.After(latest) || !got.LastModified.Equal(got.Closed) {
			t.Errorf("Closed, LastModified = %v, %v; want equal, within [%v, %v]", got.Closed, got.LastModified, before, latest)
		}
		want := tt.inv
		want.State, want.Closed, want.LastModified, want.Version = tt.state, got.Closed, got.Closed, tt.inv.Version+1
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.action, diff)
		}
		if diff := cmp.Diff(got, get(t, s, "tenant-1", tt.inv.ID)); diff != "" {
			t.Errorf("Invitation after %s (-answered +stored):\n%s", tt.action, diff)
		}
	}
}

// The same action again succeeds and changes nothing; the other action is
// a conflict and changes nothing either.
func testCloseRepeat(t *testing.T, s invitations.Store) {
	const bob = "urn:li:person:bob"
	inv := mustCreate(t, s, Invitation("tenant-1", "urn:li:person:alice", bob))
	closed := mustClose(t, s, member("tenant-1", bob), invitations.ActionAccept, inv.ID)[0]
	for _, caller := range []invitations.Caller{member("tenant-1", bob), application("tenant-1")} {
		res := closeAll(t, s, caller, invitations.ActionAccept, inv.ID)[0]
		if res.Err != nil || res.Changed {
			t.Errorf("accept again as %s = changed %v, %v; want unchanged success", caller.Subject, res.Changed, res.Err)
		}
		if diff := cmp.Diff(closed, res.Invitation); diff != "" {
			t.Errorf("accept again as %s answered (-closed +answered):\n%s", caller.Subject, diff)
		}
		res = closeAll(t, s, caller, invitations.ActionIgnore, inv.ID)[0]
		var e *invitations.Error
		if !errors.Is(res.Err, invitations.ErrConflict) || !errors.As(res.Err, &e) || e.Target != "state" || res.Changed {
			t.Errorf("ignore the accepted as %s = changed %v, %v; want an ErrConflict about state", caller.Subject, res.Changed, res.Err)
		}
	}
	if diff := cmp.Diff(closed, get(t, s, "tenant-1", inv.ID)); diff != "" {
		t.Errorf("the repeats changed the invitation (-closed +stored):\n%s", diff)
	}
}

// One request, many kinds of entry: each is decided on its own, answered
// in order, and the failures change nothing.
func testCloseEntries(t *testing.T, s invitations.Store) {
	const alice, bob, carol = "urn:li:person:alice", "urn:li:person:bob", "urn:li:person:carol"
	toBob := mustCreate(t, s, Invitation("tenant-1", alice, bob))
	toBob2 := mustCreate(t, s, Invitation("tenant-1", carol, bob))
	fromBob := mustCreate(t, s, Invitation("tenant-1", bob, carol))
	others := mustCreate(t, s, Invitation("tenant-1", alice, carol))
	otherTenant := mustCreate(t, s, Invitation("tenant-2", alice, bob))
	ignored := mustCreate(t, s, Invitation("tenant-1", "urn:li:person:dan", bob))
	ignored = mustClose(t, s, application("tenant-1"), invitations.ActionIgnore, ignored.ID)[0]
	const missing = "3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60"

	results := closeAll(t, s, member("tenant-1", bob), invitations.ActionAccept,
		toBob.ID, missing, fromBob.ID, others.ID, otherTenant.ID, ignored.ID, toBob2.ID)
	wantErr := []error{nil, invitations.ErrNotFound, invitations.ErrForbidden, invitations.ErrNotFound,
		invitations.ErrNotFound, invitations.ErrConflict, nil}
	for i, res := range results {
		if !errors.Is(res.Err, wantErr[i]) || (res.Err == nil) != (wantErr[i] == nil) || res.Changed != (wantErr[i] == nil) {
			t.Errorf("entry %d (%s) = changed %v, %v; want %v", i, res.ID, res.Changed, res.Err, wantErr[i])
		}
	}
	for _, inv := range []invitations.Invitation{fromBob, others, ignored} {
		if diff := cmp.Diff(inv, get(t, s, "tenant-1", inv.ID)); diff != "" {
			t.Errorf("a failed entry changed %s (-before +after):\n%s", inv.ID, diff)
		}
	}
	if got := get(t, s, "tenant-2", otherTenant.ID); got.State != invitations.StatePending {
		t.Errorf("another tenant's invitation is %s; want pending", got.State)
	}
	for _, inv := range []invitations.Invitation{toBob, toBob2} {
		if got := get(t, s, "tenant-1", inv.ID); got.State != invitations.StateAccepted {
			t.Errorf("%s is %s after the request; want accepted", inv.ID, got.State)
		}
	}

	// An application closes any of its tenant's, but not another tenant's.
	results = closeAll(t, s, application("tenant-1"), invitations.ActionIgnore, others.ID, otherTenant.ID)
	if results[0].Err != nil || results[0].Invitation.State != invitations.StateIgnored || !errors.Is(results[1].Err, invitations.ErrNotFound) {
		t.Errorf("an application's close = %+v; want the first ignored, the second not found", results)
	}
}

// Two requests closing one invitation at once: exactly one changes it, with
// its action; the other finds it closed (the same action: success
// unchanged; the other: a conflict).
func testCloseConcurrent(t *testing.T, s invitations.Store) {
	const rounds, n = 8, 8
	for round := range rounds {
		inv := mustCreate(t, s, Invitation("tenant-1", "urn:li:person:alice", fmt.Sprintf("urn:li:person:guest%d", round)))
		caller := member("tenant-1", inv.Invitee)
		if round%2 == 1 {
			caller = application("tenant-1")
		}
		results := make([]invitations.CloseResult, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				action := []invitations.Action{invitations.ActionAccept, invitations.ActionIgnore}[i%2]
				res, err := s.CloseInvitations(context.Background(), invitations.CloseRequest{Caller: caller, Action: action, IDs: []string{inv.ID}})
				if err != nil || len(res) != 1 {
					t.Errorf("CloseInvitations = %v, %v", res, err)
					return
				}
				results[i] = res[0]
			})
		}
		wg.Wait()
		var winner *invitations.CloseResult
		for i := range results {
			if results[i].Changed {
				if winner != nil {
					t.Fatalf("round %d: two requests changed %s: %+v and %+v", round, inv.ID, *winner, results[i])
				}
				winner = &results[i]
			}
		}
		if winner == nil {
			t.Fatalf("round %d: no request changed %s: %+v", round, inv.ID, results)
		}
		stored := get(t, s, "tenant-1", inv.ID)
		if diff := cmp.Diff(winner.Invitation, stored); diff != "" || stored.Version != inv.Version+1 {
			t.Errorf("round %d: stored (-the winner's answer +stored):\n%s", round, diff)
		}
		for i, res := range results {
			same := []invitations.Action{invitations.ActionAccept, invitations.ActionIgnore}[i%2].State() == stored.State
			switch {
			case res.Changed:
			case same && (res.Err != nil || !cmp.Equal(res.Invitation, stored)):
				t.Errorf("round %d: the same action as the winner's = %+v; want unchanged success", round, res)
			case !same && !errors.Is(res.Err, invitations.ErrConflict):
				t.Errorf("round %d: the other action = %v; want ErrConflict", round, res.Err)
			}
		}
	}
}

// Requests closing the same invitations named in different orders, at
// once: none deadlocks or fails, and each invitation is changed exactly
// once.
func testCloseConcurrentOverlapping(t *testing.T, s invitations.Store) {
	const n = 8
	var ids []string
	for i := range 6 {
		ids = append(ids, mustCreate(t, s, Invitation("tenant-1", "urn:li:person:alice", fmt.Sprintf("urn:li:email:guest%d@example.com", i))).ID)
	}
	changed := make([][]string, n)
	var wg sync.WaitGroup
	for i := range n {
		order := append([]string(nil), ids...)
		rand.New(rand.NewPCG(uint64(i), 7)).Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		wg.Go(func() {
			results, err := s.CloseInvitations(context.Background(), invitations.CloseRequest{
				Caller: application("tenant-1"), Action: invitations.ActionAccept, IDs: order})
			if err != nil {
				t.Errorf("CloseInvitations: %v", err)
				return
			}
			for _, res := range results {
				if res.Err != nil {
					t.Errorf("closing %s: %v", res.ID, res.Err)
				}
				if res.Changed {
					changed[i] = append(changed[i], res.ID)
				}
			}
		})
	}
	wg.Wait()
	times := map[string]int{}
	for _, c := range changed {
		for _, id := range c {
			times[id]++
		}
	}
	for _, id := range ids {
		if times[id] != 1 {
			t.Errorf("%s was changed by %d requests; want 1", id, times[id])
		}
		if inv := get(t, s, "tenant-1", id); inv.State != invitations.StateAccepted || inv.Version != 2 {
			t.Errorf("%s is %s at version %d; want accepted at 2", id, inv.State, inv.Version)
		}
	}
}

// lastModified moves forward on a close even when the clock does not.
func testCloseLastModified(t *testing.T, s invitations.Store) {
	inv := mustCreate(t, s, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"))
	closed := mustClose(t, s, application("tenant-1"), invitations.ActionAccept, inv.ID)[0]
	if !closed.LastModified.After(inv.LastModified) || !closed.Closed.Equal(closed.LastModified) {
		t.Errorf("LastModified, Closed = %v, %v after a close; want equal, and later than %v", closed.LastModified, closed.Closed, inv.LastModified)
	}
}

// Once closed, the inviter may invite the same invitee again: one pending
// invitation per pair, however many closed ones.
func testReinviteAfterClose(t *testing.T, s invitations.Store) {
	pair := Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob")
	var all []string
	for i, action := range []invitations.Action{invitations.ActionAccept, invitations.ActionIgnore} {
		inv := mustCreate(t, s, pair)
		all = append(all, inv.ID)
		if _, err := s.CreateInvitation(context.Background(), pair); !errors.Is(err, invitations.ErrConflict) {
			t.Errorf("a second pending invitation of the pair (round %d) = %v; want ErrConflict", i, err)
		}
		mustClose(t, s, member("tenant-1", pair.Invitee), action, inv.ID)
	}
	again := mustCreate(t, s, pair)
	all = append(all, again.ID)
	page, err := s.ListInvitations(context.Background(), invitations.Query{Tenant: "tenant-1", Order: invitations.Order{Field: invitations.FieldCreated}, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	firstClosed := all[0]
	listed := ids(page.Invitations)
	slices.Sort(all)
	slices.Sort(listed)
	if diff := cmp.Diff(all, listed); diff != "" {
		t.Errorf("the pair's invitations (-want +listed):\n%s", diff)
	}
	// Deleting a closed one leaves the pending one the pair's.
	if err := s.DeleteInvitation(context.Background(), "tenant-1", firstClosed, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateInvitation(context.Background(), pair); !errors.Is(err, invitations.ErrConflict) {
		t.Errorf("create while %s is pending, after deleting a closed one = %v; want ErrConflict", again.ID, err)
	}
}

// A closed invitation cannot be updated: a conflict about its state (or,
// from an older version, a failed precondition), and nothing changes.
func testUpdateClosed(t *testing.T, s invitations.Store) {
	inv := mustCreate(t, s, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"))
	closed := mustClose(t, s, application("tenant-1"), invitations.ActionIgnore, inv.ID)[0]
	next := closed
	next.TrackingID = "late"
	_, err := s.UpdateInvitation(context.Background(), next, closed.Version)
	var e *invitations.Error
	if !errors.Is(err, invitations.ErrConflict) || !errors.As(err, &e) || e.Target != "state" {
		t.Errorf("UpdateInvitation(closed) = %v; want an ErrConflict about state", err)
	}
	if _, err := s.UpdateInvitation(context.Background(), next, inv.Version); !errors.Is(err, invitations.ErrPreconditionFailed) {
		t.Errorf("UpdateInvitation(closed, from before the close) = %v; want ErrPreconditionFailed", err)
	}
	if diff := cmp.Diff(closed, get(t, s, "tenant-1", inv.ID)); diff != "" {
		t.Errorf("a refused update changed the invitation (-closed +stored):\n%s", diff)
	}
}

// The inviter may still delete a closed invitation.
func testDeleteClosed(t *testing.T, s invitations.Store) {
	for _, action := range []invitations.Action{invitations.ActionAccept, invitations.ActionIgnore} {
		inv := mustCreate(t, s, Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"))
		closed := mustClose(t, s, application("tenant-1"), action, inv.ID)[0]
		if err := s.DeleteInvitation(context.Background(), "tenant-1", inv.ID, inv.Version); !errors.Is(err, invitations.ErrPreconditionFailed) {
			t.Errorf("DeleteInvitation(%s, the version before the close) = %v; want ErrPreconditionFailed", action, err)
		}
		if err := s.DeleteInvitation(context.Background(), "tenant-1", inv.ID, closed.Version); err != nil {
			t.Errorf("DeleteInvitation(%s) = %v; want success", action, err)
		}
		if _, err := s.Invitation(context.Background(), "tenant-1", inv.ID); !errors.Is(err, invitations.ErrNotFound) {
			t.Errorf("Invitation after deleting the %s one = %v; want ErrNotFound", closed.State, err)
		}
	}
}
