package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/client/raw"
	"github.com/graph-linkedin/invitations/postgres"
	"github.com/graph-linkedin/invitations/postgres/pgtest"
)

// forEachEngine runs f against a server over each engine: SQLite, and
// PostgreSQL (a fresh database) when INVITATIONS_TEST_POSTGRES_DSN is set.
func forEachEngine(t *testing.T, f func(t *testing.T, e *env)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		f(t, newEnv(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		store, err := postgres.Open(context.Background(), pgtest.Database(t), postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		f(t, newEnvOver(t, store))
	})
}

// closing asks token's caller to close the invitations ids by action.
func (e *env) closing(token string, action raw.InviteeClosingInvitationAction, ids ...string) *raw.CloseInvitationsResponse {
	e.t.Helper()
	res, err := e.client.CloseInvitationsWithResponse(context.Background(), nil,
		raw.InviteeClosingInvitation{Action: action, InvitationIDs: ids}, as(token))
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

// closingRaw posts raw bytes to the action, for bodies the typed client
// cannot produce.
func (e *env) closingRaw(token, contentType, body string, edit ...raw.RequestEditorFn) *raw.CloseInvitationsResponse {
	e.t.Helper()
	res, err := e.client.CloseInvitationsWithBodyWithResponse(context.Background(), nil, contentType, strings.NewReader(body),
		append([]raw.RequestEditorFn{as(token)}, edit...)...)
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

// outcomes are a 200's entries, each as "succeeded" or "failed {code}",
// after checking that they name ids in order.
func outcomes(t *testing.T, res *raw.CloseInvitationsResponse, ids ...string) []string {
	t.Helper()
	if res.StatusCode() != http.StatusOK {
		t.Fatalf("status = %d; want 200; body %s", res.StatusCode(), res.Body)
	}
	var out []string
	for i, v := range res.JSON200.Value {
		if i >= len(ids) || v.InvitationID != ids[i] {
			t.Errorf("entry %d is for %s; want %v's, in order", i, v.InvitationID, ids)
		}
		switch {
		case v.Status == raw.Succeeded && v.Error == nil:
			out = append(out, "succeeded")
		case v.Status == raw.Failed && v.Error != nil:
			if !strings.Contains(v.Error.Message, v.InvitationID) {
				t.Errorf("entry %d's message %q does not name %s", i, v.Error.Message, v.InvitationID)
			}
			out = append(out, "failed "+string(v.Error.Code))
		default:
			t.Errorf("entry %d = %+v; want succeeded without an error, or failed with one", i, v)
		}
	}
	if len(out) != len(ids) {
		t.Errorf("%d entries; want %d", len(out), len(ids))
	}
	return out
}

// The invitee's side, end to end: accepting and ignoring, their repeats,
// the invitation's life after a close, and lists by state.
func TestCloseInvitations(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		asBob := delegated(t, tenantA, bob, invitations.PermReadWrite)
		asAlice := delegated(t, tenantA, alice, invitations.PermReadWrite)
		inv := e.mustCreate(tenantA, alice, bob)
		id := *inv.ID

		// Bob accepts: the invitation is closed, lastModified and the ETag move.
		if got := outcomes(t, e.closing(asBob, raw.Accept, id), id); !cmp.Equal(got, []string{"succeeded"}) {
			t.Fatalf("accept = %v; want succeeded", got)
		}
		res := e.get(asAlice, id)
		got := res.JSON200
		if *got.State != raw.InvitationV2StateAccepted || got.Closed == nil || *got.Closed != *got.LastModified ||
			*got.LastModified <= *inv.LastModified || res.HTTPResponse.Header.Get("ETag") != `"2"` {
			t.Errorf("after accepting: state %v, closed %v, lastModified %v (was %v), ETag %s; want accepted, closed = lastModified, later, \"2\"",
				*got.State, got.Closed, *got.LastModified, *inv.LastModified, res.HTTPResponse.Header.Get("ETag"))
		}

		// The same again changes nothing; the other action is a conflict.
		if got := outcomes(t, e.closing(asBob, raw.Accept, id), id); !cmp.Equal(got, []string{"succeeded"}) {
			t.Errorf("accept again = %v; want succeeded", got)
		}
		if got := outcomes(t, e.closing(asBob, raw.Ignore, id), id); !cmp.Equal(got, []string{"failed conflict"}) {
			t.Errorf("ignore the accepted = %v; want failed conflict", got)
		}
		if after := e.get(asBob, id); !cmp.Equal(after.JSON200, got) || after.HTTPResponse.Header.Get("ETag") != `"2"` {
			t.Errorf("the repeats changed the invitation: %s (ETag %s)", after.Body, after.HTTPResponse.Header.Get("ETag"))
		}

		// A closed invitation changes no more: 409 naming state, or 412
		// for a stale If-Match.
		for _, ifMatch := range []string{"", `"2"`, "*"} {
			res := e.update(asAlice, id, `{"trackingId": "late"}`, ifMatch)
			if res.StatusCode() != http.StatusConflict || res.JSON409.Error.Target == nil || *res.JSON409.Error.Target != "state" {
				t.Errorf("update of the accepted one (If-Match %q) = %d %s; want 409 naming state", ifMatch, res.StatusCode(), res.Body)
			}
		}
		if res := e.update(asAlice, id, `{"trackingId": "late"}`, `"1"`); res.StatusCode() != http.StatusPreconditionFailed {
			t.Errorf("update of the accepted one from before the close = %d; want 412", res.StatusCode())
		}

		// Alice may invite Bob again; one pending invitation per pair.
		again := e.create(asAlice, raw.InvitationV2Create{Invitee: bob})
		if again.StatusCode() != http.StatusCreated || *again.JSON201.State != raw.InvitationV2StatePending || again.JSON201.Closed != nil {
			t.Fatalf("invite again after the accept = %d %s; want 201, pending, no closed", again.StatusCode(), again.Body)
		}
		if res := e.create(asAlice, raw.InvitationV2Create{Invitee: bob}); res.StatusCode() != http.StatusConflict {
			t.Errorf("a second pending invitation = %d; want 409", res.StatusCode())
		}
		if got := outcomes(t, e.closing(asBob, raw.Ignore, *again.JSON201.ID), *again.JSON201.ID); !cmp.Equal(got, []string{"succeeded"}) {
			t.Errorf("ignore the new one = %v; want succeeded", got)
		}
		third := e.create(asAlice, raw.InvitationV2Create{Invitee: bob})
		if third.StatusCode() != http.StatusCreated {
			t.Fatalf("invite a third time = %d %s; want 201", third.StatusCode(), third.Body)
		}

		// Lists by state and closed time, and $select.
		list := func(filter string) []string {
			t.Helper()
			res := e.list(asBob, raw.ListInvitationsParams{Filter: &filter, Orderby: ptr("created asc")})
			if res.StatusCode() != http.StatusOK {
				t.Fatalf("list %q = %d %s", filter, res.StatusCode(), res.Body)
			}
			return idsOf(res.JSON200.Value)
		}
		received := "invitee eq '" + bob + "'"
		for filter, want := range map[string][]string{
			received + " and state eq 'pending'":                                   {*third.JSON201.ID},
			received + " and state ne 'pending'":                                   {id, *again.JSON201.ID},
			"state eq 'ignored'":                                                   {*again.JSON201.ID},
			"closed eq null":                                                       {*third.JSON201.ID},
			fmt.Sprintf("closed ge %d", *got.Closed):                               {id, *again.JSON201.ID},
			fmt.Sprintf("closed le %d and state eq 'accepted'", *got.Closed):       {id},
			fmt.Sprintf("closed ne %d", *got.Closed):                               {*again.JSON201.ID, *third.JSON201.ID},
			fmt.Sprintf("created ge %d and closed eq null", *inv.Created):          {*third.JSON201.ID},
			fmt.Sprintf("closed gt %d and state eq 'accepted'", *got.LastModified): {},
		} {
			if diff := cmp.Diff(want, list(filter)); diff != "" {
				t.Errorf("list %q (-want +got):\n%s", filter, diff)
			}
		}
		sel := e.list(asBob, raw.ListInvitationsParams{Select: ptr("state,closed"), Orderby: ptr("created asc")})
		if sel.StatusCode() != http.StatusOK || len(sel.JSON200.Value) != 3 {
			t.Fatalf("list $select=state,closed = %d %s", sel.StatusCode(), sel.Body)
		}
		first := sel.JSON200.Value[0]
		if *first.State != raw.InvitationV2StateAccepted || *first.Closed != *got.Closed || first.Inviter != nil ||
			sel.JSON200.Value[2].Closed != nil || *sel.JSON200.Value[2].State != raw.InvitationV2StatePending {
			t.Errorf("$select=state,closed = %s; want state and closed (absent while pending), nothing else", sel.Body)
		}

		// The inviter may still delete a closed invitation.
		if res := e.delete(asAlice, id, `"2"`); res.StatusCode() != http.StatusNoContent {
			t.Errorf("delete of the accepted one = %d %s; want 204", res.StatusCode(), res.Body)
		}
		if res := e.get(asBob, id); res.StatusCode() != http.StatusNotFound {
			t.Errorf("get after the delete = %d; want 404", res.StatusCode())
		}
	})
}

// One request, entries of every kind: each decided on its own, in order.
func TestCloseInvitationsEntries(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		asBob := delegated(t, tenantA, bob, invitations.PermReadWrite)
		toBob := *e.mustCreate(tenantA, alice, bob).ID
		fromBob := *e.mustCreate(tenantA, bob, "urn:li:person:Car0l").ID
		others := *e.mustCreate(tenantA, alice, "urn:li:person:Car0l").ID
		otherTenant := *e.mustCreate(tenantB, alice, bob).ID
		ignored := *e.mustCreate(tenantA, "urn:li:person:D4n", bob).ID
		outcomes(t, e.closing(asBob, raw.Ignore, ignored), ignored)
		toBob2 := *e.mustCreate(tenantA, "urn:li:person:Er1n", bob).ID
		const missing = "3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60"

		ids := []string{toBob, missing, fromBob, others, otherTenant, ignored, toBob2}
		got := outcomes(t, e.closing(asBob, raw.Accept, ids...), ids...)
		want := []string{"succeeded", "failed itemNotFound", "failed accessDenied", "failed itemNotFound",
			"failed itemNotFound", "failed conflict", "succeeded"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("entries (-want +got):\n%s", diff)
		}
		for id, state := range map[string]raw.InvitationV2State{toBob: "accepted", toBob2: "accepted", fromBob: "pending", ignored: "ignored"} {
			if res := e.get(asBob, id); *res.JSON200.State != state {
				t.Errorf("%s is %s; want %s", id, *res.JSON200.State, state)
			}
		}

		// An application closes any invitation of its tenant: the way for
		// invitees without a token, such as an email address.
		app := application(t, tenantA, invitations.PermReadWriteAll)
		toEmail := *e.mustCreate(tenantA, alice, "urn:li:email:ada.lovelace@contoso.com").ID
		got = outcomes(t, e.closing(app, raw.Ignore, toEmail, others, otherTenant), toEmail, others, otherTenant)
		if diff := cmp.Diff([]string{"succeeded", "succeeded", "failed itemNotFound"}, got); diff != "" {
			t.Errorf("an application's entries (-want +got):\n%s", diff)
		}
	})
}

// Two requests closing one invitation at once, over HTTP: exactly one
// changes it; the others find it closed.
func TestCloseInvitationsConcurrent(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		asBob := delegated(t, tenantA, bob, invitations.PermReadWrite)
		for round := range 4 {
			id := *e.mustCreate(tenantA, fmt.Sprintf("urn:li:person:Inv1ter%d", round), bob).ID
			const n = 6
			got := make([]string, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					action := []raw.InviteeClosingInvitationAction{raw.Accept, raw.Ignore}[i%2]
					got[i] = string(action) + " " + outcomes(t, e.closing(asBob, action, id), id)[0]
				})
			}
			wg.Wait()
			res := e.get(asBob, id)
			winner := map[raw.InvitationV2State]raw.InviteeClosingInvitationAction{"accepted": raw.Accept, "ignored": raw.Ignore}[*res.JSON200.State]
			if res.HTTPResponse.Header.Get("ETag") != `"2"` {
				t.Errorf("round %d: ETag %s after %d concurrent closes; want \"2\": one change", round, res.HTTPResponse.Header.Get("ETag"), n)
			}
			for _, g := range got {
				if g != string(winner)+" succeeded" && !strings.HasSuffix(g, " failed conflict") || strings.HasPrefix(g, string(winner)+" failed") {
					t.Errorf("round %d: %q, with the invitation %s; want the winner's action to succeed, the other to conflict", round, g, *res.JSON200.State)
				}
			}
		}
	})
}

// Bad requests: a 400 naming the field, a 413, a 415; never a 5xx.
func TestCloseInvitationsRejects(t *testing.T) {
	e := newEnv(t)
	asBob := delegated(t, tenantA, bob, invitations.PermReadWrite)
	id := *e.mustCreate(tenantA, alice, bob).ID
	many := make([]string, invitations.MaxCloseIDs+1)
	for i := range many {
		many[i] = fmt.Sprintf(`"3f0c8e1a-6a3d-4f57-9a8e-%012d"`, i)
	}
	for _, tt := range []struct {
		name, body string
		target     string
	}{
		{"no action", `{"invitationIds": ["` + id + `"]}`, "action"},
		{"an unknown action", `{"action": "withdraw", "invitationIds": ["` + id + `"]}`, "action"},
		{"no ids", `{"action": "accept"}`, "invitationIds"},
		{"an empty list", `{"action": "accept", "invitationIds": []}`, "invitationIds"},
		{"too many ids", `{"action": "accept", "invitationIds": [` + strings.Join(many, ",") + `]}`, "invitationIds"},
		{"a repeated id", `{"action": "accept", "invitationIds": ["` + id + `", "` + id + `"]}`, "invitationIds"},
		{"an id that is not one", `{"action": "accept", "invitationIds": ["` + id + `", "42"]}`, "invitationIds.1"},
		{"an unknown property", `{"action": "accept", "invitationIds": ["` + id + `"], "reason": "spam"}`, "reason"},
		{"ids not a list", `{"action": "accept", "invitationIds": "` + id + `"}`, "invitationIds"},
		{"not an object", `["accept"]`, ""},
		{"not JSON", `{"action": accept}`, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := e.closingRaw(asBob, "application/json", tt.body)
			if res.StatusCode() != http.StatusBadRequest {
				t.Fatalf("status = %d; want 400; body %s", res.StatusCode(), res.Body)
			}
			if got := errorOf(t, res.Body); tt.target != "" && (got.Target == nil || *got.Target != tt.target || !strings.HasPrefix(got.Message, tt.target)) {
				t.Errorf("error = %+v; want one naming %s", got, tt.target)
			}
		})
	}
	if res := e.closingRaw(asBob, "text/plain", `{"action": "accept", "invitationIds": ["`+id+`"]}`); res.StatusCode() != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain = %d; want 415", res.StatusCode())
	}
	if res := e.closingRaw(asBob, "application/json", `{"action": "accept", "invitationIds": ["`+strings.Repeat("x", 70<<10)+`"]}`); res.StatusCode() != http.StatusRequestEntityTooLarge {
		t.Errorf("a 70 KiB body = %d; want 413", res.StatusCode())
	}
	if res := e.closingRaw(asBob, "application/json", `{"action": "accept", "invitationIds": ["`+id+`"]}`, header("Idempotency-Key", "caf\u00e9")); res.StatusCode() != http.StatusBadRequest {
		t.Errorf("a non-ASCII Idempotency-Key = %d; want 400", res.StatusCode())
	}
	// Nothing of it closed the invitation.
	if res := e.get(asBob, id); *res.JSON200.State != raw.InvitationV2StatePending {
		t.Errorf("after the refused requests the invitation is %s; want pending", *res.JSON200.State)
	}
	// A well-formed Idempotency-Key is accepted.
	res := e.closingRaw(asBob, "application/json", `{"action": "accept", "invitationIds": ["`+id+`"]}`, header("Idempotency-Key", "close-1"))
	if got := outcomes(t, res, id); !cmp.Equal(got, []string{"succeeded"}) {
		t.Errorf("with an Idempotency-Key = %v; want succeeded", got)
	}
}

// The action's path is static beside /linkedIn/invitations/{id}: other
// methods on it, and POST on an invitation, are 405s (the transport checks
// that each is a Graph error), never an invitation called
// "inviteeClosingInvitation" or a 5xx.
func TestCloseInvitationsRoute(t *testing.T) {
	e := newEnv(t)
	token := application(t, tenantA, invitations.PermReadWriteAll)
	id := *e.mustCreate(tenantA, alice, bob).ID
	for _, tt := range []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/linkedIn/invitations/inviteeClosingInvitation", http.StatusMethodNotAllowed},
		{http.MethodPatch, "/linkedIn/invitations/inviteeClosingInvitation", http.StatusMethodNotAllowed},
		{http.MethodDelete, "/linkedIn/invitations/inviteeClosingInvitation", http.StatusMethodNotAllowed},
		{http.MethodPut, "/linkedIn/invitations/inviteeClosingInvitation", http.StatusMethodNotAllowed},
		{http.MethodPost, "/linkedIn/invitations/" + id, http.StatusMethodNotAllowed},
		{http.MethodPost, "/linkedIn/invitations/InviteeClosingInvitation", http.StatusMethodNotAllowed},
		// Echo's parameter takes the rest of the path here: a 4xx, whichever.
		{http.MethodPost, "/linkedIn/invitations/inviteeClosingInvitation/" + id, 0},
		{http.MethodGet, "/linkedIn/invitations/inviteeClosingInvitation/" + id, 0},
	} {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, e.url+tt.path, strings.NewReader(`{"action": "accept", "invitationIds": ["`+id+`"]}`))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			res, err := e.transport.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			if res.StatusCode != tt.want && (tt.want != 0 || res.StatusCode < 400 || res.StatusCode >= 500) {
				t.Errorf("status = %d; want %d (0: a 4xx)", res.StatusCode, tt.want)
			}
			if allow := res.Header.Get("Allow"); tt.want == http.StatusMethodNotAllowed && allow == "" {
				t.Error("a 405 without an Allow header")
			}
		})
	}
	if res := e.get(token, id); *res.JSON200.State != raw.InvitationV2StatePending {
		t.Errorf("after the misrouted requests the invitation is %s; want pending", *res.JSON200.State)
	}
}

// state and closed are read-only: sent in a create or an update they are
// ignored, as OData says; only the invitee's action closes an invitation.
func TestStateIsReadOnly(t *testing.T) {
	e := newEnv(t)
	asAlice := delegated(t, tenantA, alice, invitations.PermReadWrite)
	res := e.createRaw(asAlice, "application/json", `{"invitee": "`+bob+`", "state": "accepted", "closed": 1600000000000}`)
	if res.StatusCode() != http.StatusCreated || *res.JSON201.State != raw.InvitationV2StatePending || res.JSON201.Closed != nil {
		t.Fatalf("create with state and closed = %d %s; want 201, pending, no closed", res.StatusCode(), res.Body)
	}
	id := *res.JSON201.ID
	up := e.update(asAlice, id, `{"state": "ignored", "closed": 1600000000000, "trackingId": "t-1"}`, "")
	if up.StatusCode() != http.StatusOK || *up.JSON200.State != raw.InvitationV2StatePending || up.JSON200.Closed != nil || *up.JSON200.TrackingID != "t-1" {
		t.Errorf("update with state and closed = %d %s; want 200, still pending, the tracking id changed", up.StatusCode(), up.Body)
	}
}
