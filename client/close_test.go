package client_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/client"
	"github.com/graph-linkedin/invitations/client/raw"
)

// More people: alice's and bob's friends.
const (
	carol = "urn:li:person:C4rol"
	dave  = "urn:li:person:D4ve"
	erin  = "urn:li:person:Er1n"
)

// create creates an invitation or fails the test.
func create(t *testing.T, c *client.Client, inv client.NewInvitation) *client.Invitation {
	t.Helper()
	got, err := c.CreateInvitation(context.Background(), inv)
	if err != nil {
		t.Fatalf("CreateInvitation(%+v): %v", inv, err)
	}
	return got
}

// get gets an invitation or fails the test.
func get(t *testing.T, c *client.Client, id string) *client.Invitation {
	t.Helper()
	inv, err := c.GetInvitation(context.Background(), id)
	if err != nil {
		t.Fatalf("GetInvitation(%s): %v", id, err)
	}
	return inv
}

// pendingFor lists the ids of the invitations PendingFor(invitee) finds,
// oldest first.
func pendingFor(t *testing.T, c *client.Client, invitee string) []string {
	t.Helper()
	ids := []string{}
	opts := client.ListOptions{Filter: client.PendingFor(invitee), OrderBy: "created asc"}
	for inv, err := range c.ListInvitations(context.Background(), opts) {
		if err != nil {
			t.Fatalf("ListInvitations(PendingFor(%s)): %v", invitee, err)
		}
		if inv.Invitee != invitee || inv.State != client.StatePending || !inv.Closed.IsZero() {
			t.Errorf("ListInvitations(PendingFor(%s)) listed %+v", invitee, inv)
		}
		ids = append(ids, inv.ID)
	}
	return ids
}

// closeIDs closes ids or fails the test.
func closeIDs(t *testing.T, c *client.Client, action client.Action, ids ...string) []client.CloseResult {
	t.Helper()
	results, err := c.CloseInvitations(context.Background(), action, ids)
	if err != nil {
		t.Fatalf("CloseInvitations(%s, %v): %v", action, ids, err)
	}
	return results
}

// The invitee lists what waits for it, then accepts: each id gets its
// result in order, succeeded or failed with its own kind of error; the
// accepted invitations are closed, once.
func TestCloseInvitations(t *testing.T) {
	api := newServer(t)
	asApp, _ := newClient(t, api, app(t))
	asAlice, _ := newClient(t, api, delegated(t, alice))
	asBob, _ := newClient(t, api, delegated(t, bob))

	// Three invitations to bob (one pending per pair: from three people),
	// one bob may not see, one bob sent.
	fromAlice := create(t, asAlice, client.NewInvitation{Invitee: bob})
	fromDave := create(t, asApp, client.NewInvitation{Inviter: dave, Invitee: bob})
	fromErin := create(t, asApp, client.NewInvitation{Inviter: erin, Invitee: bob})
	toCarol := create(t, asAlice, client.NewInvitation{Invitee: carol})
	fromBob := create(t, asBob, client.NewInvitation{Invitee: alice})
	const missing = "0b6f4c1e-6a55-4d8e-9a3f-2f1c0e7d9b84"
	if fromAlice.State != client.StatePending || !fromAlice.Closed.IsZero() {
		t.Errorf("CreateInvitation: state %q, closed %v; want pending, no closed time", fromAlice.State, fromAlice.Closed)
	}

	waiting := []string{fromAlice.ID, fromDave.ID, fromErin.ID}
	if got := pendingFor(t, asBob, bob); !slices.Equal(got, waiting) {
		t.Errorf("bob's pending invitations: %v; want %v", got, waiting)
	}
	if got := pendingFor(t, asAlice, alice); !slices.Equal(got, []string{fromBob.ID}) {
		t.Errorf("alice's pending invitations: %v; want [%s]", got, fromBob.ID)
	}

	if r := closeIDs(t, asBob, client.ActionIgnore, fromErin.ID); r[0].Err != nil {
		t.Fatalf("ignore %s: %v", fromErin.ID, r[0].Err)
	}
	before := time.Now().Add(-time.Second)
	ids := []string{fromAlice.ID, missing, fromDave.ID, fromErin.ID, toCarol.ID, fromBob.ID}
	results := closeIDs(t, asBob, client.ActionAccept, ids...)
	want := []struct {
		kind error
		code string
	}{{nil, ""}, {client.ErrNotFound, "itemNotFound"}, {nil, ""}, {client.ErrConflict, "conflict"},
		{client.ErrNotFound, "itemNotFound"}, {client.ErrForbidden, "accessDenied"}}
	if len(results) != len(ids) {
		t.Fatalf("CloseInvitations: %d results for %d ids", len(results), len(ids))
	}
	for i, r := range results {
		t.Run(ids[i], func(t *testing.T) {
			if r.ID != ids[i] {
				t.Errorf("result %d for %s; want %s", i, r.ID, ids[i])
			}
			if want[i].kind == nil {
				if r.Err != nil {
					t.Errorf("result %d: %v; want success", i, r.Err)
				}
				return
			}
			if e := checkError(t, r.Err, want[i].kind, 0, want[i].code); e != nil && !strings.Contains(e.Message, ids[i]) {
				t.Errorf("result %d: message %q does not name the invitation", i, e.Message)
			}
		})
	}

	// Accepted: closed, with the time, a new ETag and lastModified.
	for _, id := range []string{fromAlice.ID, fromDave.ID} {
		inv := get(t, asBob, id)
		if inv.State != client.StateAccepted || inv.Closed.Before(before) || !inv.LastModified.Equal(inv.Closed) || inv.ETag != `"2"` {
			t.Errorf("after accept: state %q, closed %v, lastModified %v, ETag %s; want accepted, closed now, ETag \"2\"",
				inv.State, inv.Closed, inv.LastModified, inv.ETag)
		}
	}
	if inv := get(t, asBob, fromErin.ID); inv.State != client.StateIgnored || inv.Closed.IsZero() {
		t.Errorf("after ignore, then accept: state %q, closed %v; want still ignored", inv.State, inv.Closed)
	}
	if inv := get(t, asAlice, fromBob.ID); inv.State != client.StatePending || inv.ETag != `"1"` {
		t.Errorf("the inviter's refused accept changed it: state %q, ETag %s", inv.State, inv.ETag)
	}
	if got := pendingFor(t, asBob, bob); len(got) != 0 {
		t.Errorf("bob's pending invitations after closing them: %v; want none", got)
	}

	// The same action again succeeds and changes nothing.
	if r := closeIDs(t, asBob, client.ActionAccept, fromAlice.ID); r[0].Err != nil {
		t.Errorf("accept again: %v; want success", r[0].Err)
	}
	if inv := get(t, asBob, fromAlice.ID); inv.ETag != `"2"` {
		t.Errorf("accept again moved the ETag to %s", inv.ETag)
	}
	// Closed, the invitation no longer changes, and alice may invite bob again.
	_, err := asAlice.UpdateInvitation(context.Background(), fromAlice.ID, client.Patch{TrackingID: client.Set("late")})
	if e := checkError(t, err, client.ErrConflict, http.StatusConflict, "conflict"); e.Target != "state" {
		t.Errorf("UpdateInvitation of a closed invitation: target %q; want state", e.Target)
	}
	create(t, asAlice, client.NewInvitation{Invitee: bob})
}

// An application closes invitations to invitees without a token of their
// own (an email address), and PendingFor quotes what it is given.
func TestCloseAsApplication(t *testing.T) {
	api := newServer(t)
	asApp, _ := newClient(t, api, app(t))
	const oneil = "urn:li:email:o'neil@contoso.com"
	inv := create(t, asApp, client.NewInvitation{Inviter: alice, Invitee: oneil})
	if got := pendingFor(t, asApp, oneil); !slices.Equal(got, []string{inv.ID}) {
		t.Errorf("pending for %s: %v; want [%s]", oneil, got, inv.ID)
	}
	if r := closeIDs(t, asApp, client.ActionIgnore, inv.ID); r[0].Err != nil {
		t.Fatalf("an application's ignore: %v", r[0].Err)
	}
	if got := get(t, asApp, inv.ID); got.State != client.StateIgnored {
		t.Errorf("state %q after an application's ignore; want ignored", got.State)
	}
}

// A caller without a write permission is refused the whole request, as is
// a request the service cannot take: an error, no results.
func TestCloseRefused(t *testing.T) {
	ctx := context.Background()
	api := newServer(t)
	asApp, _ := newClient(t, api, app(t))
	inv := create(t, asApp, client.NewInvitation{Inviter: alice, Invitee: bob})

	readOnly, _ := newClient(t, api, token(t, bob, []string{invitations.PermRead}, nil))
	results, err := readOnly.CloseInvitations(ctx, client.ActionAccept, []string{inv.ID})
	checkError(t, err, client.ErrForbidden, http.StatusForbidden, "accessDenied")
	if results != nil {
		t.Errorf("CloseInvitations refused: results %v; want none", results)
	}

	asBob, _ := newClient(t, api, delegated(t, bob))
	tests := []struct {
		name   string
		action client.Action
		ids    []string
		target string
	}{
		{"no ids", client.ActionAccept, nil, "invitationIds"},
		{"an id twice", client.ActionAccept, []string{inv.ID, inv.ID}, "invitationIds"},
		{"not an id", client.ActionAccept, []string{"invitation-1"}, "invitationIds.0"},
		{"another action", client.Action("withdraw"), []string{inv.ID}, "action"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			results, err := asBob.CloseInvitations(ctx, tt.action, tt.ids)
			e := checkError(t, err, client.ErrInvalid, http.StatusBadRequest, "badRequest")
			if results != nil || e.Target != tt.target {
				t.Errorf("CloseInvitations: results %v, target %q (%s); want none, %s", results, e.Target, e.Message, tt.target)
			}
		})
	}
	if got := get(t, asBob, inv.ID); got.State != client.StatePending {
		t.Errorf("state %q after refused closes; want pending", got.State)
	}
}

// A close is retried as a create is, on 429 and 503, with the same
// Idempotency-Key and client-request-id on every attempt.
func TestCloseRetried(t *testing.T) {
	for _, status := range []int{http.StatusServiceUnavailable, http.StatusTooManyRequests} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			api := newServer(t)
			inv := create(t, plainClient(t, api), client.NewInvitation{Inviter: alice, Invitee: bob})
			f := &flaky{fail: first(1), status: status, retryAfter: "1"}
			clock := newFakeClock()
			c := plainClient(t, startFlaky(t, api, f), clock.option())
			results := closeIDs(t, c, client.ActionAccept, inv.ID)
			if len(results) != 1 || results[0].Err != nil {
				t.Fatalf("CloseInvitations through a %d: %+v; want one success", status, results)
			}
			checkRetriedOnce(t, f, clock)
			if got := get(t, plainClient(t, api), inv.ID); got.State != client.StateAccepted {
				t.Errorf("state %q; want accepted", got.State)
			}
		})
	}
}

// A close whose answer was lost is retried, and the retry succeeds without
// changing the invitation again: closing is idempotent.
func TestCloseRetryAfterLostAnswer(t *testing.T) {
	api := newServer(t)
	inv := create(t, plainClient(t, api), client.NewInvitation{Inviter: alice, Invitee: bob})
	d, through := startDropFirstAnswer(t, api)
	clock := newFakeClock()
	c := plainClient(t, through, clock.option())

	results := closeIDs(t, c, client.ActionAccept, inv.ID)
	if len(results) != 1 || results[0].Err != nil {
		t.Fatalf("CloseInvitations with its first answer lost: %+v; want one success", results)
	}
	d.mu.Lock()
	dropped, attempts := d.dropped, len(d.seen)
	keys := []string{d.seen[0].Header.Get("Idempotency-Key"), d.seen[len(d.seen)-1].Header.Get("Idempotency-Key")}
	d.mu.Unlock()
	if dropped == nil || dropped.Code != http.StatusOK || attempts != 2 || keys[0] == "" || keys[0] != keys[1] {
		t.Fatalf("the proxy dropped %v after %d attempts, keys %q; want a 200 dropped, 2 attempts with one key", dropped, attempts, keys)
	}
	var first raw.InviteActionResults
	if err := json.Unmarshal(dropped.Body.Bytes(), &first); err != nil {
		t.Fatal(err)
	}
	if len(first.Value) != 1 || first.Value[0].Status != raw.Succeeded {
		t.Errorf("the lost answer: %+v; want the close done", first)
	}
	if got := get(t, plainClient(t, api), inv.ID); got.State != client.StateAccepted || got.ETag != `"2"` {
		t.Errorf("state %q, ETag %s; want accepted once, ETag \"2\"", got.State, got.ETag)
	}
}

// WithIdempotencyKey and WithClientRequestID reach a close; without a key,
// each call has a random one of its own.
func TestCloseRequestOptions(t *testing.T) {
	api := newServer(t)
	c, rec := newClient(t, api, app(t))
	inv := create(t, c, client.NewInvitation{Inviter: alice, Invitee: bob})
	if _, err := c.CloseInvitations(context.Background(), client.ActionAccept, []string{inv.ID},
		client.WithIdempotencyKey("close-4711"), client.WithClientRequestID("my-close-1")); err != nil {
		t.Fatal(err)
	}
	closeIDs(t, c, client.ActionAccept, inv.ID)
	closeIDs(t, c, client.ActionAccept, inv.ID)
	var keys, ids []string
	for _, r := range rec.requests()[1:] {
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		ids = append(ids, r.Header.Get("client-request-id"))
	}
	if len(keys) != 3 || keys[0] != "close-4711" || ids[0] != "my-close-1" || keys[1] == "" || keys[2] == "" || keys[1] == keys[2] {
		t.Errorf("Idempotency-Keys %q, client-request-ids %q; want close-4711 and my-close-1, then two random keys", keys, ids)
	}
}

func TestPendingFor(t *testing.T) {
	tests := []struct{ invitee, want string }{
		{bob, "invitee eq 'urn:li:person:B0bY7z' and state eq 'pending'"},
		{"urn:li:email:o'neil@contoso.com", "invitee eq 'urn:li:email:o''neil@contoso.com' and state eq 'pending'"},
	}
	for _, tt := range tests {
		if got := client.PendingFor(tt.invitee); got != tt.want {
			t.Errorf("PendingFor(%q) = %q; want %q", tt.invitee, got, tt.want)
		}
	}
}
