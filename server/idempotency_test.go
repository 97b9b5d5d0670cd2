package server_test

import (
	"bytes"
	"context"
	"database/sql"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/client/raw"
	"github.com/graph-linkedin/invitations/sqlite"
	"github.com/graph-linkedin/invitations/storetest"
)

const idemKey = "8e03978e-40d5-43e8-bc93-6894a57f9324"

// createKeyed posts body with token and the Idempotency-Key key, through
// the generated client's parameter.
func (e *env) createKeyed(token, key string, body raw.InvitationV2Create, edit ...raw.RequestEditorFn) *raw.CreateInvitationResponse {
	e.t.Helper()
	params := &raw.CreateInvitationParams{IdempotencyKey: &key}
	res, err := e.client.CreateInvitationWithResponse(context.Background(), params, body, append([]raw.RequestEditorFn{as(token)}, edit...)...)
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

// count is how many invitations the token's caller sees.
func (e *env) count(token string) int64 {
	e.t.Helper()
	res := e.list(token, raw.ListInvitationsParams{Count: ptr(true)})
	if res.JSON200 == nil || res.JSON200.OdataCount == nil {
		e.t.Fatalf("list: status %d; body %s", res.StatusCode(), res.Body)
	}
	return *res.JSON200.OdataCount
}

// replayed reports whether a response says it is a replay.
func replayed(h http.Header) bool { return h.Get("Idempotency-Replayed") == "true" }

// A retry with the key and the same body gets the first response again,
// exactly, and creates nothing; the request ids are the retry's own.
func TestIdempotentCreateReplays(t *testing.T) {
	e := newEnv(t)
	token := delegated(t, tenantA, alice, invitations.PermReadWrite)
	body := raw.InvitationV2Create{Invitee: "urn:li:email:ada@contoso.com", TrackingID: ptr("t-1"),
		Message: &raw.InvitationV2Message{InvitationMessage: &raw.InvitationMessage{Body: ptr("Ada, <let's> connect & more")}}}
	first := e.createKeyed(token, idemKey, body, header("client-request-id", "first"))
	if first.StatusCode() != http.StatusCreated || first.JSON201 == nil {
		t.Fatalf("status = %d; want 201; body %s", first.StatusCode(), first.Body)
	}
	if replayed(first.HTTPResponse.Header) {
		t.Error("the first response says Idempotency-Replayed")
	}
	// The same body, its properties in another order and spacing.
	reordered := `{ "trackingId":"t-1", "message": {"invitationMessage": {"body": "Ada, <let's> connect & more"}},
	          "invitee": "urn:li:email:ada@contoso.com" }`
	retries := []*raw.CreateInvitationResponse{
		e.createKeyed(token, idemKey, body, header("client-request-id", "retry")),
		e.createRaw(token, "application/json", reordered, header("Idempotency-Key", idemKey), header("client-request-id", "retry")),
	}
	for i, res := range retries {
		h, fh := res.HTTPResponse.Header, first.HTTPResponse.Header
		if res.StatusCode() != http.StatusCreated || !bytes.Equal(res.Body, first.Body) || !replayed(h) {
			t.Errorf("retry %d: %d, Idempotency-Replayed %q, body %s; want the first response, 201 %s, replayed",
				i+1, res.StatusCode(), h.Get("Idempotency-Replayed"), res.Body, first.Body)
		}
		for _, name := range []string{"Location", "ETag", "Content-Type"} {
			if h.Get(name) != fh.Get(name) {
				t.Errorf("retry %d: %s = %q; want the first response's %q", i+1, name, h.Get(name), fh.Get(name))
			}
		}
		if h.Get("request-id") == fh.Get("request-id") || h.Get("client-request-id") != "retry" {
			t.Errorf("retry %d: request-id %q, client-request-id %q; want the retry's own", i+1, h.Get("request-id"), h.Get("client-request-id"))
		}
	}
	if n := e.count(token); n != 1 {
		t.Errorf("%d invitations after three creates with one key; want 1", n)
	}
	if got := e.get(token, *first.JSON201.ID); got.StatusCode() != http.StatusOK {
		t.Errorf("GET the created invitation = %d; want 200", got.StatusCode())
	}
}

// The key with another body is a 422 naming the key; it creates nothing.
func TestIdempotencyKeyReused(t *testing.T) {
	e := newEnv(t)
	token := delegated(t, tenantA, alice, invitations.PermReadWrite)
	if res := e.createKeyed(token, idemKey, raw.InvitationV2Create{Invitee: bob}); res.StatusCode() != http.StatusCreated {
		t.Fatalf("status = %d; want 201; body %s", res.StatusCode(), res.Body)
	}
	for _, body := range []raw.InvitationV2Create{
		{Invitee: "urn:li:person:C4rol"},
		{Invitee: bob, TrackingID: ptr("another")},
	} {
		res := e.createKeyed(token, idemKey, body)
		if res.StatusCode() != http.StatusUnprocessableEntity || res.JSON422 == nil {
			t.Fatalf("status = %d; want 422; body %s", res.StatusCode(), res.Body)
		}
		if got := res.JSON422.Error; got.Code != raw.ErrorCodeUnprocessableEntity || got.Target == nil || *got.Target != "Idempotency-Key" ||
			!strings.HasPrefix(got.Message, "Idempotency-Key: ") {
			t.Errorf("error %+v; want unprocessableEntity, target and message naming Idempotency-Key", got)
		}
	}
	if n := e.count(token); n != 1 {
		t.Errorf("%d invitations; want 1", n)
	}
}

// Keys are the caller's: another user, an application, or the same user in
// another tenant uses the same key for a request of its own.
func TestIdempotencyKeyScope(t *testing.T) {
	e := newEnv(t)
	carol := "urn:li:person:C4rol"
	for _, tt := range []struct {
		name  string
		token string
		body  raw.InvitationV2Create
	}{
		{"alice", delegated(t, tenantA, alice, invitations.PermReadWrite), raw.InvitationV2Create{Invitee: carol}},
		{"bob", delegated(t, tenantA, bob, invitations.PermReadWrite), raw.InvitationV2Create{Invitee: carol}},
		{"alice in another tenant", delegated(t, tenantB, alice, invitations.PermReadWrite), raw.InvitationV2Create{Invitee: carol}},
		{"an application", application(t, tenantA, invitations.PermReadWriteAll), raw.InvitationV2Create{Inviter: ptr("urn:li:person:D4n"), Invitee: carol}},
	} {
		res := e.createKeyed(tt.token, idemKey, tt.body)
		if res.StatusCode() != http.StatusCreated || replayed(res.HTTPResponse.Header) {
			t.Errorf("%s: status = %d, replayed %v; want a new 201; body %s", tt.name, res.StatusCode(), replayed(res.HTTPResponse.Header), res.Body)
		}
	}
}

// A replay is the first response, even once the invitation has changed or
// is gone: the outcome recorded is a snapshot.
func TestIdempotentReplayIsSnapshot(t *testing.T) {
	e := newEnv(t)
	token := delegated(t, tenantA, alice, invitations.PermReadWrite)
	body := raw.InvitationV2Create{Invitee: bob, TrackingID: ptr("t-1")}
	first := e.createKeyed(token, idemKey, body)
	if first.StatusCode() != http.StatusCreated {
		t.Fatalf("status = %d; want 201; body %s", first.StatusCode(), first.Body)
	}
	id := *first.JSON201.ID
	if res := e.update(token, id, `{"trackingId": "t-2"}`, ""); res.StatusCode() != http.StatusOK {
		t.Fatalf("update = %d; body %s", res.StatusCode(), res.Body)
	}
	check := func(when string) {
		t.Helper()
		res := e.createKeyed(token, idemKey, body)
		if res.StatusCode() != http.StatusCreated || !bytes.Equal(res.Body, first.Body) || !replayed(res.HTTPResponse.Header) ||
			res.HTTPResponse.Header.Get("ETag") != `"1"` {
			t.Errorf("retry %s = %d, ETag %s, body %s; want the first 201 replayed, ETag \"1\", %s", when, res.StatusCode(),
				res.HTTPResponse.Header.Get("ETag"), res.Body, first.Body)
		}
	}
	check("after an update")
	if res := e.delete(token, id, ""); res.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete = %d", res.StatusCode())
	}
	check("after the delete")
	if n := e.count(token); n != 0 {
		t.Errorf("%d invitations after retries of a deleted one; want 0", n)
	}
}

// A create that conflicts with an invitation of the pair records that 409,
// and its retry gets it again, even once the pair is free; its innerError
// is the retry's own.
func TestIdempotentConflictRecorded(t *testing.T) {
	e := newEnv(t)
	token := delegated(t, tenantA, alice, invitations.PermReadWrite)
	existing := e.create(token, raw.InvitationV2Create{Invitee: bob})
	if existing.StatusCode() != http.StatusCreated {
		t.Fatalf("status = %d; want 201", existing.StatusCode())
	}
	first := e.createKeyed(token, idemKey, raw.InvitationV2Create{Invitee: bob})
	if first.StatusCode() != http.StatusConflict || first.JSON409.Error.Code != raw.ErrorCodeConflict || replayed(first.HTTPResponse.Header) {
		t.Fatalf("status = %d; want a 409 conflict; body %s", first.StatusCode(), first.Body)
	}
	if first.HTTPResponse.Header.Get("Retry-After") != "" {
		t.Error("the pair's 409 has Retry-After; only the in-progress one has")
	}
	if res := e.delete(token, *existing.JSON201.ID, ""); res.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete = %d", res.StatusCode())
	}
	retry := e.createKeyed(token, idemKey, raw.InvitationV2Create{Invitee: bob}, header("client-request-id", "retry"))
	if retry.StatusCode() != http.StatusConflict || !replayed(retry.HTTPResponse.Header) || retry.HTTPResponse.Header.Get("Retry-After") != "" {
		t.Fatalf("retry = %d, replayed %v, Retry-After %q; body %s; want the first 409 again, replayed",
			retry.StatusCode(), replayed(retry.HTTPResponse.Header), retry.HTTPResponse.Header.Get("Retry-After"), retry.Body)
	}
	got, want := retry.JSON409.Error, first.JSON409.Error
	if got.Code != want.Code || got.Message != want.Message || !cmp.Equal(got.Target, want.Target) {
		t.Errorf("retry's error = %s, %q, target %v; want the first's: %s, %q, %v", got.Code, got.Message, got.Target, want.Code, want.Message, want.Target)
	}
	if got.InnerError.RequestID != retry.HTTPResponse.Header.Get("request-id") || got.InnerError.RequestID == want.InnerError.RequestID ||
		got.InnerError.ClientRequestID == nil || *got.InnerError.ClientRequestID != "retry" {
		t.Errorf("retry's innerError = %+v; want the retry's own request-id and client-request-id", got.InnerError)
	}
	if n := e.count(token); n != 0 {
		t.Errorf("%d invitations; want 0", n)
	}
}

// Many requests with one key at once: one creates; the others are told it
// is in progress (409, Retry-After) or get its response.
func TestIdempotencyConcurrent(t *testing.T) {
	e := newEnv(t)
	token := delegated(t, tenantA, alice, invitations.PermReadWrite)
	sameKeyAtOnce(t, 16, http.StatusCreated, func() (int, http.Header, []byte) {
		res := e.createKeyed(token, idemKey, raw.InvitationV2Create{Invitee: bob})
		return res.StatusCode(), res.HTTPResponse.Header, res.Body
	})
	if got := e.count(token); got != 1 {
		t.Errorf("%d invitations; want 1", got)
	}
}

// sameKeyAtOnce sends n requests with one key at once, each by send, and
// checks that exactly one was carried out (status ok, not replayed) and
// that each other one got its response, replayed, or was told that it is
// in progress (409, Retry-After: 1).
func sameKeyAtOnce(t *testing.T, n, ok int, send func() (status int, h http.Header, body []byte)) {
	t.Helper()
	var (
		wg                 sync.WaitGroup
		mu                 sync.Mutex
		firsts, inProgress int
		bodies             [][]byte
	)
	for range n {
		wg.Go(func() {
			status, h, body := send()
			mu.Lock()
			defer mu.Unlock()
			switch {
			case status == ok && !replayed(h):
				firsts++
				bodies = append(bodies, body)
			case status == ok:
				bodies = append(bodies, body)
			case status == http.StatusConflict && h.Get("Retry-After") == "1":
				inProgress++
			default:
				t.Errorf("status = %d; body %s", status, body)
			}
		})
	}
	wg.Wait()
	if firsts != 1 || inProgress+len(bodies) != n {
		t.Errorf("%d requests with one key: %d carried out, %d in progress, %d replays; want 1 carried out", n, firsts, inProgress, len(bodies)-firsts)
	}
	for _, b := range bodies {
		if !bytes.Equal(b, bodies[0]) {
			t.Errorf("a replay %s differs from %s", b, bodies[0])
		}
	}
}

// openStoreAt opens a SQLite store on a new file in a temporary directory,
// and returns it and the file's path, for a connection of the test's own.
func openStoreAt(t *testing.T) (*sqlite.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "invitations.db")
	store, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store, path
}

// sqliteConn is a connection of the test's own to the database file path.
func sqliteConn(t *testing.T, path string) *sql.Conn {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// A retry while the first request runs is a 409 asking to retry, and
// another request with the key a 422; once the first request answered, the
// retry gets its answer. The first request is held in the database: another
// connection holds SQLite's write lock, so the store's writer waits for it.
func TestIdempotencyInProgress(t *testing.T) {
	store, path := openStoreAt(t)
	e := newEnvOver(t, store)
	token := delegated(t, tenantA, alice, invitations.PermReadWrite)
	conn := sqliteConn(t, path)
	ctx := context.Background()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	// The same request n times at once: one takes the key and waits for
	// the database; every other one is answered at once. (Which one waits
	// does not matter: they are the same request.)
	const n = 6
	responses := make(chan *raw.CreateInvitationResponse, n)
	for range n {
		go func() { responses <- e.createKeyed(token, idemKey, raw.InvitationV2Create{Invitee: bob}) }()
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
			t.Fatal("the retries of a request in progress got no answer within 3 s")
		}
	}
	// Another body is another request: refused as such even now.
	if res := e.createKeyed(token, idemKey, raw.InvitationV2Create{Invitee: "urn:li:person:C4rol"}); res.StatusCode() != http.StatusUnprocessableEntity {
		t.Errorf("another body while the first runs = %d; want 422; body %s", res.StatusCode(), res.Body)
	}
	select {
	case res := <-responses:
		t.Fatalf("the first request answered %d while the database was locked; body %s", res.StatusCode(), res.Body)
	default:
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	first := <-responses
	if first.StatusCode() != http.StatusCreated || replayed(first.HTTPResponse.Header) {
		t.Fatalf("first = %d; want 201; body %s", first.StatusCode(), first.Body)
	}
	if res := e.createKeyed(token, idemKey, raw.InvitationV2Create{Invitee: bob}); !bytes.Equal(res.Body, first.Body) || !replayed(res.HTTPResponse.Header) {
		t.Errorf("retry after the first answered = %d, body %s; want its 201 replayed", res.StatusCode(), res.Body)
	}
}

// Refusals before the create (validation, permissions) and failures of the
// service are not recorded: a retry with the key runs anew. The failure is
// the database's own: a trigger that fails the insert.
func TestIdempotencyFailuresNotRecorded(t *testing.T) {
	store, path := openStoreAt(t)
	e := newEnvOver(t, store)
	token := delegated(t, tenantA, alice, invitations.PermReadWrite)
	conn := sqliteConn(t, path)
	ctx := context.Background()
	if _, err := conn.ExecContext(ctx, `CREATE TRIGGER fail BEFORE INSERT ON invitations
		BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		body   raw.InvitationV2Create
		status int
	}{
		{raw.InvitationV2Create{Invitee: "urn:li:nobody"}, http.StatusBadRequest},
		{raw.InvitationV2Create{Inviter: ptr(bob), Invitee: "urn:li:person:C4rol"}, http.StatusForbidden},
		{raw.InvitationV2Create{Invitee: "urn:li:person:C4rol"}, http.StatusInternalServerError},
	} {
		if res := e.createKeyed(token, idemKey, tt.body); res.StatusCode() != tt.status {
			t.Errorf("status = %d; want %d; body %s", res.StatusCode(), tt.status, res.Body)
		}
	}
	if _, err := conn.ExecContext(ctx, "DROP TRIGGER fail"); err != nil {
		t.Fatal(err)
	}
	res := e.createKeyed(token, idemKey, raw.InvitationV2Create{Invitee: "urn:li:person:D4ve"})
	if res.StatusCode() != http.StatusCreated || replayed(res.HTTPResponse.Header) {
		t.Errorf("status = %d; want a new 201 (nothing was recorded); body %s", res.StatusCode(), res.Body)
	}
}

// After 24 hours a key is new again.
func TestIdempotencyKeyExpires(t *testing.T) {
	clock := storetest.NewClock()
	e := newEnvOver(t, openStore(t, sqlite.Options{Now: clock.Now}))
	token := delegated(t, tenantA, alice, invitations.PermReadWrite)
	first := e.createKeyed(token, idemKey, raw.InvitationV2Create{Invitee: bob})
	if first.StatusCode() != http.StatusCreated {
		t.Fatalf("status = %d; want 201", first.StatusCode())
	}
	other := raw.InvitationV2Create{Invitee: "urn:li:person:C4rol"}
	clock.Add(invitations.IdempotencyTTL - time.Millisecond)
	if res := e.createKeyed(token, idemKey, other); res.StatusCode() != http.StatusUnprocessableEntity {
		t.Errorf("another body just before 24 h = %d; want 422", res.StatusCode())
	}
	clock.Add(time.Millisecond)
	res := e.createKeyed(token, idemKey, other)
	if res.StatusCode() != http.StatusCreated || replayed(res.HTTPResponse.Header) || *res.JSON201.ID == *first.JSON201.ID {
		t.Errorf("another body after 24 h = %d; want a new 201; body %s", res.StatusCode(), res.Body)
	}
}

// A malformed key is a 400 that names it, never a 5xx.
func TestIdempotencyKeyMalformed(t *testing.T) {
	e := newEnv(t)
	token := delegated(t, tenantA, alice, invitations.PermReadWrite)
	for _, tt := range []struct {
		name string
		set  raw.RequestEditorFn
	}{
		{"too long", header("Idempotency-Key", strings.Repeat("k", 256))},
		{"not ASCII", header("Idempotency-Key", "clé")},
		{"tab", header("Idempotency-Key", "a\tb")},
		{"empty", header("Idempotency-Key", "")},
		{"twice", func(_ context.Context, req *http.Request) error {
			req.Header.Add("Idempotency-Key", "a")
			req.Header.Add("Idempotency-Key", "b")
			return nil
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := e.create(token, raw.InvitationV2Create{Invitee: bob}, tt.set)
			if res.StatusCode() != http.StatusBadRequest || !strings.Contains(string(res.Body), "Idempotency-Key") {
				t.Errorf("status = %d; want 400 naming Idempotency-Key; body %s", res.StatusCode(), res.Body)
			}
		})
	}
	// The longest key, of every printable character.
	var longest strings.Builder
	for longest.Len() < 255 {
		longest.WriteByte(byte(0x20 + longest.Len()%95))
	}
	key := strings.TrimSpace(longest.String()) + "x"
	if res := e.createKeyed(token, key, raw.InvitationV2Create{Invitee: bob}); res.StatusCode() != http.StatusCreated {
		t.Errorf("a key of %d printable characters: status = %d; want 201; body %s", len(key), res.StatusCode(), res.Body)
	}
}
