package server_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/client/raw"
)

// closingKeyed asks token's caller to close ids by action with the
// Idempotency-Key key, through the generated client's parameter.
func (e *env) closingKeyed(token, key string, action raw.InviteeClosingInvitationAction, ids []string, edit ...raw.RequestEditorFn) *raw.CloseInvitationsResponse {
	e.t.Helper()
	res, err := e.client.CloseInvitationsWithResponse(context.Background(), &raw.CloseInvitationsParams{IdempotencyKey: &key},
		raw.InviteeClosingInvitation{Action: action, InvitationIDs: ids}, append([]raw.RequestEditorFn{as(token)}, edit...)...)
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

// etagOf is the ETag of the invitation id, as token's caller reads it.
func (e *env) etagOf(token, id string) string {
	e.t.Helper()
	res := e.get(token, id)
	if res.StatusCode() != http.StatusOK {
		e.t.Fatalf("GET %s = %d; body %s", id, res.StatusCode(), res.Body)
	}
	return res.HTTPResponse.Header.Get("ETag")
}

// isKeyReused checks that a response is the 422 about the Idempotency-Key.
func isKeyReused(t *testing.T, status int, body []byte) {
	t.Helper()
	if status != http.StatusUnprocessableEntity {
		t.Errorf("status = %d; want 422; body %s", status, body)
		return
	}
	if got := errorOf(t, body); got.Code != raw.ErrorCodeUnprocessableEntity || got.Target == nil || *got.Target != "Idempotency-Key" {
		t.Errorf("error %+v; want unprocessableEntity naming Idempotency-Key", got)
	}
}

// A retry of a keyed close with the same body gets the first 200 again,
// byte for byte, replayed, even once the invitations have changed; it
// changes nothing, and its request ids are its own.
func TestIdempotentCloseReplays(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		asBob := delegated(t, tenantA, bob, invitations.PermReadWrite)
		app := application(t, tenantA, invitations.PermReadWriteAll)
		a := *e.mustCreate(tenantA, alice, bob).ID
		b := *e.mustCreate(tenantA, "urn:li:person:C4rol", bob).ID
		fromBob := *e.mustCreate(tenantA, bob, alice).ID
		const missing = "3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60"
		ids := []string{a, missing, fromBob, b}

		first := e.closingKeyed(asBob, idemKey, raw.Accept, ids, header("client-request-id", "first"))
		if got := outcomes(t, first, ids...); !cmp.Equal(got, []string{"succeeded", "failed itemNotFound", "failed accessDenied", "succeeded"}) {
			t.Fatalf("the keyed accept = %v", got)
		}
		if replayed(first.HTTPResponse.Header) {
			t.Error("the first response says Idempotency-Replayed")
		}

		// The invitations change: a is deleted (a fresh close would not
		// find it), fromBob is closed by its invitee.
		if res := e.delete(app, a, ""); res.StatusCode() != http.StatusNoContent {
			t.Fatalf("delete = %d", res.StatusCode())
		}
		asAlice := delegated(t, tenantA, alice, invitations.PermReadWrite)
		if got := outcomes(t, e.closing(asAlice, raw.Ignore, fromBob), fromBob); !cmp.Equal(got, []string{"succeeded"}) {
			t.Fatalf("alice ignores %s = %v", fromBob, got)
		}
		tagB := e.etagOf(asBob, b)

		// The same body, typed, and as raw JSON in another order and spacing.
		reordered := `{ "invitationIds": ["` + strings.Join(ids, `", "`) + `"],
		                "action": "accept" }`
		retries := []*raw.CloseInvitationsResponse{
			e.closingKeyed(asBob, idemKey, raw.Accept, ids, header("client-request-id", "retry")),
			e.closingRaw(asBob, "application/json", reordered, header("Idempotency-Key", idemKey), header("client-request-id", "retry")),
		}
		for i, res := range retries {
			h, fh := res.HTTPResponse.Header, first.HTTPResponse.Header
			if res.StatusCode() != http.StatusOK || !bytes.Equal(res.Body, first.Body) || !replayed(h) {
				t.Errorf("retry %d: %d, Idempotency-Replayed %q, body %s; want the first response, 200 %s, replayed",
					i+1, res.StatusCode(), h.Get("Idempotency-Replayed"), res.Body, first.Body)
			}
			if h.Get("request-id") == fh.Get("request-id") || h.Get("client-request-id") != "retry" {
				t.Errorf("retry %d: request-id %q, client-request-id %q; want the retry's own", i+1, h.Get("request-id"), h.Get("client-request-id"))
			}
		}
		if tag := e.etagOf(asBob, b); tag != tagB {
			t.Errorf("%s's ETag is %s after the retries; want %s (a replay changes nothing)", b, tag, tagB)
		}
		// Without the key, the same body is a new request, on what is now.
		if got := outcomes(t, e.closing(asBob, raw.Accept, ids...), ids...); !cmp.Equal(got,
			[]string{"failed itemNotFound", "failed itemNotFound", "failed accessDenied", "succeeded"}) {
			t.Errorf("the same close without the key = %v", got)
		}
	})
}

// The key with another request is a 422 naming it, and closes nothing:
// another body (other ids, their order, the other action), and the key of
// a create; a create with a close's key too. Keys are the caller's: another
// caller's same key is its own.
func TestIdempotentCloseKeyReused(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		asBob := delegated(t, tenantA, bob, invitations.PermReadWrite)
		a := *e.mustCreate(tenantA, alice, bob).ID
		b := *e.mustCreate(tenantA, "urn:li:person:C4rol", bob).ID
		if got := outcomes(t, e.closingKeyed(asBob, idemKey, raw.Accept, []string{a}), a); !cmp.Equal(got, []string{"succeeded"}) {
			t.Fatalf("the keyed accept = %v", got)
		}
		for _, tt := range []struct {
			action raw.InviteeClosingInvitationAction
			ids    []string
		}{
			{raw.Accept, []string{b}},
			{raw.Accept, []string{a, b}},
			{raw.Ignore, []string{a}},
		} {
			res := e.closingKeyed(asBob, idemKey, tt.action, tt.ids)
			isKeyReused(t, res.StatusCode(), res.Body)
		}
		if tag := e.etagOf(asBob, b); tag != `"1"` {
			t.Errorf("%s's ETag is %s after closes refused for their key; want \"1\"", b, tag)
		}

		// One key, a create and a close: whichever comes second is refused.
		if res := e.createKeyed(asBob, "create-key", raw.InvitationV2Create{Invitee: "urn:li:person:D4ve"}); res.StatusCode() != http.StatusCreated {
			t.Fatalf("keyed create = %d; body %s", res.StatusCode(), res.Body)
		}
		res := e.closingKeyed(asBob, "create-key", raw.Accept, []string{b})
		isKeyReused(t, res.StatusCode(), res.Body)
		created := e.createKeyed(asBob, idemKey, raw.InvitationV2Create{Invitee: "urn:li:person:Er1n"})
		isKeyReused(t, created.StatusCode(), created.Body)
		if n := e.count(asBob); n != 3 {
			t.Errorf("bob sees %d invitations; want 3 (none created by the refused create)", n)
		}

		// An application's same key is another key: its close runs.
		app := application(t, tenantA, invitations.PermReadWriteAll)
		res = e.closingKeyed(app, idemKey, raw.Ignore, []string{b})
		if got := outcomes(t, res, b); !cmp.Equal(got, []string{"succeeded"}) || replayed(res.HTTPResponse.Header) {
			t.Errorf("an application's close with bob's key = %v, replayed %v; want carried out", got, replayed(res.HTTPResponse.Header))
		}
	})
}

// Many keyed closes of one request at once: one carries out the closes;
// the others get its answer or are told it is in progress (409,
// Retry-After).
func TestIdempotentCloseConcurrent(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		app := application(t, tenantA, invitations.PermReadWriteAll)
		var ids []string
		for _, invitee := range []string{bob, "urn:li:person:C4rol", "urn:li:email:dave@contoso.com"} {
			ids = append(ids, *e.mustCreate(tenantA, alice, invitee).ID)
		}
		sameKeyAtOnce(t, 16, http.StatusOK, func() (int, http.Header, []byte) {
			res := e.closingKeyed(app, idemKey, raw.Accept, ids)
			return res.StatusCode(), res.HTTPResponse.Header, res.Body
		})
		for _, id := range ids {
			if tag := e.etagOf(app, id); tag != `"2"` {
				t.Errorf("%s's ETag is %s; want \"2\" (closed once)", id, tag)
			}
		}
	})
}

// A retry while the first close runs is a 409 asking to retry, another
// request with the key (another body, or a create) a 422; once the first
// answered, the retry gets its answer. The first is held in the database:
// another connection holds SQLite's write lock.
func TestIdempotentCloseInProgress(t *testing.T) {
	store, path := openStoreAt(t)
	e := newEnvOver(t, store)
	asBob := delegated(t, tenantA, bob, invitations.PermReadWrite)
	id := *e.mustCreate(tenantA, alice, bob).ID
	conn := sqliteConn(t, path)
	ctx := context.Background()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	const n = 6
	responses := make(chan *raw.CloseInvitationsResponse, n)
	for range n {
		go func() { responses <- e.closingKeyed(asBob, idemKey, raw.Accept, []string{id}) }()
	}
	for range n - 1 {
		select {
		case res := <-responses:
			if res.StatusCode() != http.StatusConflict || res.HTTPResponse.Header.Get("Retry-After") != "1" ||
				res.JSON409.Error.Target == nil || *res.JSON409.Error.Target != "Idempotency-Key" {
				t.Errorf("a retry while the first runs = %d, Retry-After %q; body %s; want 409, Retry-After 1, about Idempotency-Key",
					res.StatusCode(), res.HTTPResponse.Header.Get("Retry-After"), res.Body)
			}
		case <-time.After(3 * time.Second): // well within the store's 5 s busy timeout
			t.Fatal("the retries of a close in progress got no answer within 3 s")
		}
	}
	res := e.closingKeyed(asBob, idemKey, raw.Ignore, []string{id})
	isKeyReused(t, res.StatusCode(), res.Body)
	created := e.createKeyed(asBob, idemKey, raw.InvitationV2Create{Invitee: alice})
	isKeyReused(t, created.StatusCode(), created.Body)
	select {
	case res := <-responses:
		t.Fatalf("the first close answered %d while the database was locked; body %s", res.StatusCode(), res.Body)
	default:
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	first := <-responses
	if got := outcomes(t, first, id); !cmp.Equal(got, []string{"succeeded"}) || replayed(first.HTTPResponse.Header) {
		t.Fatalf("first = %v, replayed %v; want succeeded, not replayed", got, replayed(first.HTTPResponse.Header))
	}
	if res := e.closingKeyed(asBob, idemKey, raw.Accept, []string{id}); !bytes.Equal(res.Body, first.Body) || !replayed(res.HTTPResponse.Header) {
		t.Errorf("retry after the first answered = %d, body %s; want its 200 replayed", res.StatusCode(), res.Body)
	}
}

// Refusals before the close (validation, permissions) and failures of the
// service are not recorded: a retry with the key runs anew. The failure is
// the database's own: a trigger that fails the close's update.
func TestIdempotentCloseFailuresNotRecorded(t *testing.T) {
	store, path := openStoreAt(t)
	e := newEnvOver(t, store)
	asBob := delegated(t, tenantA, bob, invitations.PermReadWrite)
	id := *e.mustCreate(tenantA, alice, bob).ID
	conn := sqliteConn(t, path)
	ctx := context.Background()
	if _, err := conn.ExecContext(ctx, `CREATE TRIGGER fail BEFORE UPDATE ON invitations
		BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		token string
		ids   []string
		code  int
	}{
		{asBob, []string{id, id}, http.StatusBadRequest},
		{delegated(t, tenantA, bob, invitations.PermRead), []string{id}, http.StatusForbidden},
		{asBob, []string{id}, http.StatusInternalServerError},
	} {
		if res := e.closingKeyed(tt.token, idemKey, raw.Accept, tt.ids); res.StatusCode() != tt.code {
			t.Errorf("status = %d; want %d; body %s", res.StatusCode(), tt.code, res.Body)
		}
	}
	if _, err := conn.ExecContext(ctx, "DROP TRIGGER fail"); err != nil {
		t.Fatal(err)
	}
	if tag := e.etagOf(asBob, id); tag != `"1"` {
		t.Errorf("ETag %s after the failed closes; want \"1\"", tag)
	}
	res := e.closingKeyed(asBob, idemKey, raw.Ignore, []string{id})
	if got := outcomes(t, res, id); !cmp.Equal(got, []string{"succeeded"}) || replayed(res.HTTPResponse.Header) {
		t.Errorf("a close with the key after the failures = %v, replayed %v; want carried out (nothing was recorded)", got, replayed(res.HTTPResponse.Header))
	}
}
