package main

import (
	"bytes"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/graph-linkedin/invitations/postgres/pgtest"
)

// sameResponse reports how a replay differs from the first response: it
// must have its status, body, Location and ETag, and say it is a replay.
func sameResponse(first, replay response) error {
	switch {
	case replay.status != first.status || !bytes.Equal(replay.body, first.body):
		return fmt.Errorf("%d %s; want the first response, %d %s", replay.status, replay.body, first.status, first.body)
	case replay.header.Get("Location") != first.header.Get("Location"), replay.header.Get("ETag") != first.header.Get("ETag"):
		return fmt.Errorf("Location %q, ETag %q; want the first response's %q, %q", replay.header.Get("Location"),
			replay.header.Get("ETag"), first.header.Get("Location"), first.header.Get("ETag"))
	case replay.header.Get("Idempotency-Replayed") != "true":
		return fmt.Errorf("no Idempotency-Replayed: true")
	}
	return nil
}

// A key's response is in the database file: after a restart, a retry gets
// it again, and creates nothing.
func TestIdempotencyAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	args := []string{"-addr", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0", "-db", filepath.Join(dir, "invitations.db"),
		"-dev-key-file", filepath.Join(dir, "dev-jwt.key")}
	addr, stop := startRun(t, args...)
	tok := token(t, filepath.Join(dir, "dev-jwt.key"), "urn:li:person:A1iceX9")
	const body = `{"invitee": "urn:li:person:Qm9i", "trackingId": "t-1"}`
	first := newAPI(t, addr, tok).do("POST", collection, body, "Idempotency-Key", "restart-key")
	if first.status != http.StatusCreated {
		t.Fatalf("POST = %d; want 201\n%s", first.status, first.body)
	}
	if err := stop(); err != nil {
		t.Fatalf("run returned %v after a graceful stop; want nil", err)
	}

	addr, stop = startRun(t, args...)
	defer stop()
	c := newAPI(t, addr, tok)
	if err := sameResponse(first, c.do("POST", collection, body, "Idempotency-Key", "restart-key")); err != nil {
		t.Errorf("retry after the restart: %v", err)
	}
	if res := c.do("POST", collection, `{"invitee": "urn:li:person:Other"}`, "Idempotency-Key", "restart-key"); res.status != http.StatusUnprocessableEntity {
		t.Errorf("another body after the restart = %d; want 422\n%s", res.status, res.body)
	}
	if list := c.do("GET", collection+"?$count=true", ""); list.field("@odata.count") != "1" {
		t.Errorf("list after the retries: %s; want one invitation", list.body)
	}
}

// Two instances over one PostgreSQL database share keys: a retry on the
// other instance gets the first response; retries at once over both create
// one invitation; a retry on one while the other carries out the request
// is told to retry later; an instance killed and started again still
// replays.
func TestIdempotencyTwoInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs server processes; skipped with -short")
	}
	dsn := pgtest.Database(t)
	t.Parallel()
	bin := buildServer(t)
	keyFile := filepath.Join(t.TempDir(), "dev-jwt.key") // shared, so a token works on both
	tok := token(t, keyFile, "urn:li:person:A1iceX9")
	args := []string{"-addr", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0", "-db", dsn, "-dev-key-file", keyFile, "-db-max-conns", "4"}
	addrA, killA := startProcess(t, bin, args...)
	addrB, _ := startProcess(t, bin, args...)
	a, b := newAPI(t, addrA, tok), newAPI(t, addrB, tok)

	const body = `{"invitee": "urn:li:person:Qm9i"}`
	first := a.do("POST", collection, body, "Idempotency-Key", "key-1")
	if first.status != http.StatusCreated {
		t.Fatalf("POST to A = %d; want 201\n%s", first.status, first.body)
	}
	if err := sameResponse(first, b.do("POST", collection, body, "Idempotency-Key", "key-1")); err != nil {
		t.Errorf("retry on B: %v", err)
	}
	if res := b.do("POST", collection, `{"invitee": "urn:li:person:Other"}`, "Idempotency-Key", "key-1"); res.status != http.StatusUnprocessableEntity {
		t.Errorf("another body on B = %d; want 422\n%s", res.status, res.body)
	}

	// Retries of one request at once, over both instances.
	const n = 20
	responses := make(chan response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			responses <- []*api{a, b}[i%2].do("POST", collection, `{"invitee": "urn:li:person:Same"}`, "Idempotency-Key", "key-2")
		})
	}
	wg.Wait()
	close(responses)
	var created []response
	inProgress, replays := 0, 0
	for res := range responses {
		switch {
		case res.status == http.StatusCreated && res.header.Get("Idempotency-Replayed") == "":
			created = append(created, res)
		case res.status == http.StatusCreated:
			replays++
		case res.status == http.StatusConflict && res.header.Get("Retry-After") != "":
			inProgress++
		default:
			t.Errorf("a retry = %d\n%s; want 201, or 409 with Retry-After", res.status, res.body)
		}
	}
	if len(created) != 1 {
		t.Fatalf("%d retries at once over two instances: %d created, %d replays, %d in progress; want 1 created",
			n, len(created), replays, inProgress)
	}

	// A request with a key held in flight on A (its insert waits in its
	// transaction): its retry on B is told at once that it is in progress,
	// and once A answered, gets A's answer.
	hold := pgtest.HoldPair(t, dsn, "6f1c2d3e-0a1b-4c5d-8e9f-a0b1c2d3e4f5", "urn:li:person:A1iceX9", "urn:li:person:Held")
	const held = `{"invitee": "urn:li:person:Held"}`
	onA := make(chan response, 1)
	go func() { onA <- a.do("POST", collection, held, "Idempotency-Key", "key-3") }()
	hold.WaitForAdvisoryLock()
	if res := b.do("POST", collection, held, "Idempotency-Key", "key-3"); res.status != http.StatusConflict ||
		res.header.Get("Retry-After") != "1" || res.field("error") == "" || !strings.Contains(string(res.body), `"target":"Idempotency-Key"`) {
		t.Errorf("the retry on B while A carries out the request = %d, Retry-After %q\n%s; want 409, Retry-After 1, about the Idempotency-Key",
			res.status, res.header.Get("Retry-After"), res.body)
	}
	hold.Release()
	firstHeld := <-onA
	if firstHeld.status != http.StatusCreated {
		t.Fatalf("the request held on A = %d; want 201\n%s", firstHeld.status, firstHeld.body)
	}
	if err := sameResponse(firstHeld, b.do("POST", collection, held, "Idempotency-Key", "key-3")); err != nil {
		t.Errorf("the retry on B once A answered: %v", err)
	}

	killA()
	addrA, _ = startProcess(t, bin, args...)
	a = newAPI(t, addrA, tok)
	if err := sameResponse(first, a.do("POST", collection, body, "Idempotency-Key", "key-1")); err != nil {
		t.Errorf("retry on A after kill -9 and a new start: %v", err)
	}
	if err := sameResponse(created[0], a.do("POST", collection, `{"invitee": "urn:li:person:Same"}`, "Idempotency-Key", "key-2")); err != nil {
		t.Errorf("retry of the concurrent request on A after its restart: %v", err)
	}
	if list := b.do("GET", collection+"?$count=true", ""); list.field("@odata.count") != "3" {
		t.Errorf("list: %s; want three invitations", list.body)
	}
}

// Closes with a key over two instances of one PostgreSQL database, as
// creates: a retry on the other instance gets the first entries, replayed;
// the key with another body, or on a create, is refused on either;
// retries at once over both close once; a retry on one while the other
// carries out the close is told to retry later; after kill -9 and a new
// start the instance still replays.
func TestIdempotentCloseTwoInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs server processes; skipped with -short")
	}
	dsn := pgtest.Database(t)
	t.Parallel()
	bin := buildServer(t)
	keyFile := filepath.Join(t.TempDir(), "dev-jwt.key")
	const tenant, bob = "6f1c2d3e-0a1b-4c5d-8e9f-a0b1c2d3e4f5", "urn:li:person:B0bY7z"
	args := []string{"-addr", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0", "-db", dsn, "-dev-key-file", keyFile, "-db-max-conns", "4"}
	addrA, killA := startProcess(t, bin, args...)
	addrB, _ := startProcess(t, bin, args...)
	inviter := func(name string) *api { return newAPI(t, addrA, token(t, keyFile, "urn:li:person:"+name)) }
	a, b := newAPI(t, addrA, token(t, keyFile, bob)), newAPI(t, addrB, token(t, keyFile, bob))
	invite := func(from string) string {
		t.Helper()
		res := inviter(from).do("POST", collection, `{"invitee": "`+bob+`"}`)
		if res.status != http.StatusCreated {
			t.Fatalf("POST = %d; want 201\n%s", res.status, res.body)
		}
		return res.field("id")
	}
	closing := func(action string, ids ...string) string {
		return `{"action": "` + action + `", "invitationIds": ["` + strings.Join(ids, `", "`) + `"]}`
	}
	const path = collection + "/inviteeClosingInvitation"

	x, y := invite("Xav1er"), invite("Yv0nne")
	first := a.do("POST", path, closing("accept", x, y), "Idempotency-Key", "key-1")
	if first.status != http.StatusOK || strings.Count(string(first.body), `"succeeded"`) != 2 {
		t.Fatalf("keyed close on A = %d; want 200, both succeeded\n%s", first.status, first.body)
	}
	if err := sameResponse(first, b.do("POST", path, closing("accept", x, y), "Idempotency-Key", "key-1")); err != nil {
		t.Errorf("retry on B: %v", err)
	}
	for _, other := range []struct{ path, body string }{
		{path, closing("ignore", x, y)},
		{path, closing("accept", y, x)},
		{collection, `{"invitee": "urn:li:person:Other"}`},
	} {
		if res := b.do("POST", other.path, other.body, "Idempotency-Key", "key-1"); res.status != http.StatusUnprocessableEntity {
			t.Errorf("POST %s %s with the key on B = %d; want 422\n%s", other.path, other.body, res.status, res.body)
		}
	}

	// Retries of one close at once, over both instances.
	z1, z2 := invite("Z0e"), invite("Zac4")
	const n = 20
	responses := make(chan response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			responses <- []*api{a, b}[i%2].do("POST", path, closing("ignore", z1, z2), "Idempotency-Key", "key-2")
		})
	}
	wg.Wait()
	close(responses)
	var carried []response
	inProgress, replays := 0, 0
	for res := range responses {
		switch {
		case res.status == http.StatusOK && res.header.Get("Idempotency-Replayed") == "":
			carried = append(carried, res)
		case res.status == http.StatusOK:
			replays++
		case res.status == http.StatusConflict && res.header.Get("Retry-After") != "":
			inProgress++
		default:
			t.Errorf("a retry = %d\n%s; want 200, or 409 with Retry-After", res.status, res.body)
		}
	}
	if len(carried) != 1 {
		t.Fatalf("%d retries at once over two instances: %d carried out, %d replays, %d in progress; want 1 carried out",
			n, len(carried), replays, inProgress)
	}
	for _, id := range []string{z1, z2} {
		if res := b.do("GET", collection+"/"+id, ""); res.header.Get("ETag") != `"2"` || res.field("state") != "ignored" {
			t.Errorf("GET %s = ETag %s, state %q; want \"2\", ignored (closed once)", id, res.header.Get("ETag"), res.field("state"))
		}
	}

	// A close held in flight on A (its invitation's row is locked): its
	// retry on B is told at once that it is in progress, and once A
	// answered, gets A's answer.
	w := invite("W1ll")
	hold := pgtest.HoldInvitation(t, dsn, tenant, w)
	onA := make(chan response, 1)
	go func() { onA <- a.do("POST", path, closing("accept", w), "Idempotency-Key", "key-3") }()
	hold.WaitForAdvisoryLock()
	if res := b.do("POST", path, closing("accept", w), "Idempotency-Key", "key-3"); res.status != http.StatusConflict ||
		res.header.Get("Retry-After") != "1" || !strings.Contains(string(res.body), `"target":"Idempotency-Key"`) {
		t.Errorf("the retry on B while A carries out the close = %d, Retry-After %q\n%s; want 409, Retry-After 1, about the Idempotency-Key",
			res.status, res.header.Get("Retry-After"), res.body)
	}
	hold.Release()
	firstHeld := <-onA
	if firstHeld.status != http.StatusOK {
		t.Fatalf("the close held on A = %d; want 200\n%s", firstHeld.status, firstHeld.body)
	}
	if err := sameResponse(firstHeld, b.do("POST", path, closing("accept", w), "Idempotency-Key", "key-3")); err != nil {
		t.Errorf("the retry on B once A answered: %v", err)
	}

	killA()
	addrA, _ = startProcess(t, bin, args...)
	a = newAPI(t, addrA, token(t, keyFile, bob))
	// The invitations change meanwhile: a replay still says what was done.
	if res := inviter("Xav1er").do("DELETE", collection+"/"+x, ""); res.status != http.StatusNoContent { // on A's new address
		t.Fatalf("DELETE %s = %d; want 204\n%s", x, res.status, res.body)
	}
	if err := sameResponse(first, a.do("POST", path, closing("accept", x, y), "Idempotency-Key", "key-1")); err != nil {
		t.Errorf("retry on A after kill -9, a new start and a delete: %v", err)
	}
	if err := sameResponse(carried[0], a.do("POST", path, closing("ignore", z1, z2), "Idempotency-Key", "key-2")); err != nil {
		t.Errorf("retry of the concurrent close on A after its restart: %v", err)
	}
}
