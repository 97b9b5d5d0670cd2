package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/graph-linkedin/invitations/postgres/pgtest"
	"github.com/graph-linkedin/invitations/spectest"
)

// api sends requests to one server as one caller, through the spec-checking
// transport, and answers status, headers and body.
type api struct {
	t      *testing.T
	base   string
	token  string
	client *http.Client
}

func newAPI(t *testing.T, addr, token string) *api {
	return &api{t: t, base: "http://" + addr, token: token, client: spectest.NewTransport(t, nil).Client()}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends method path with body (JSON, when not "") and header pairs.
func (a *api) do(method, path, body string, header ...string) response {
	a.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, a.base+path, r)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := a.client.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// field returns the JSON body's top-level property name, as a string.
func (r response) field(name string) string {
	var m map[string]any
	json.Unmarshal(r.body, &m)
	if v, ok := m[name]; ok {
		return fmt.Sprint(v)
	}
	return ""
}

const collection = "/v1.0/linkedIn/invitations"

// Two instances over one PostgreSQL database are one service: what one
// writes, the other reads, lists, updates and deletes, and the one pending
// invitation per pair holds across them.
func TestTwoInstancesOneDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs two server processes; skipped with -short")
	}
	dsn := pgtest.Database(t)
	t.Parallel()
	bin := buildServer(t)
	keyFile := filepath.Join(t.TempDir(), "dev-jwt.key") // shared, so a token works on both
	tok := token(t, keyFile, "urn:li:person:A1iceX9")

	// Started together: both migrate the new database, one after the other.
	addrs := make([]string, 2)
	var wg sync.WaitGroup
	for i := range addrs {
		wg.Go(func() {
			addrs[i], _ = startProcess(t, bin, "-addr", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0", "-db", dsn, "-dev-key-file", keyFile, "-db-max-conns", "4")
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	a, b := newAPI(t, addrs[0], tok), newAPI(t, addrs[1], tok)

	created := a.do("POST", collection, `{"invitee": "urn:li:person:Qm9i", "trackingId": "t-1"}`)
	if created.status != http.StatusCreated {
		t.Fatalf("POST to A = %d; want 201\n%s", created.status, created.body)
	}
	id := created.field("id")
	item := collection + "/" + id

	got := b.do("GET", item, "")
	if got.status != http.StatusOK || got.header.Get("ETag") != `"1"` || got.field("trackingId") != "t-1" {
		t.Errorf("GET from B = %d, ETag %s\n%s; want 200, \"1\", the invitation", got.status, got.header.Get("ETag"), got.body)
	}
	list := b.do("GET", collection+"?$count=true", "")
	if list.status != http.StatusOK || list.field("@odata.count") != "1" || !strings.Contains(string(list.body), id) {
		t.Errorf("list from B = %d\n%s; want 200 with the invitation", list.status, list.body)
	}
	patched := b.do("PATCH", item, `{"trackingId": "t-2"}`, "If-Match", `"1"`)
	if patched.status != http.StatusOK || patched.header.Get("ETag") != `"2"` {
		t.Errorf("PATCH through B = %d, ETag %s\n%s; want 200, \"2\"", patched.status, patched.header.Get("ETag"), patched.body)
	}
	if stale := a.do("PATCH", item, `{"trackingId": "t-3"}`, "If-Match", `"1"`); stale.status != http.StatusPreconditionFailed {
		t.Errorf("PATCH through A with the ETag B replaced = %d; want 412\n%s", stale.status, stale.body)
	}
	if got := a.do("GET", item, ""); got.field("trackingId") != "t-2" {
		t.Errorf("GET from A after B's update: trackingId %q; want t-2", got.field("trackingId"))
	}
	if del := b.do("DELETE", item, "", "If-Match", `"2"`); del.status != http.StatusNoContent {
		t.Errorf("DELETE through B = %d; want 204\n%s", del.status, del.body)
	}
	if got := a.do("GET", item, ""); got.status != http.StatusNotFound {
		t.Errorf("GET from A after B's delete = %d; want 404", got.status)
	}

	// Concurrent creates of one pair, spread over both: one 201, the rest 409.
	const n = 20
	statuses := make(chan int, n)
	for i := range n {
		wg.Go(func() {
			server := []*api{a, b}[i%2]
			statuses <- server.do("POST", collection, `{"invitee": "urn:li:person:Same"}`).status
		})
	}
	wg.Wait()
	close(statuses)
	counts := map[int]int{}
	for s := range statuses {
		counts[s]++
	}
	if counts[http.StatusCreated] != 1 || counts[http.StatusConflict] != n-1 {
		t.Errorf("%d concurrent creates of one pair over two instances: %v; want one 201 and %d 409s", n, counts, n-1)
	}

	// Paging hops between instances: a nextLink from one works on the other.
	for i := range 4 {
		if res := a.do("POST", collection, fmt.Sprintf(`{"invitee": "urn:li:person:Page%d"}`, i)); res.status != http.StatusCreated {
			t.Fatalf("POST = %d; want 201\n%s", res.status, res.body)
		}
	}
	seen := map[string]bool{}
	path := collection + "?$top=2&$orderby=created"
	for pages := 0; path != ""; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		res := []*api{a, b}[pages%2].do("GET", path, "")
		var body struct {
			Value    []struct{ ID string }
			NextLink string `json:"@odata.nextLink"`
		}
		if err := json.Unmarshal(res.body, &body); err != nil || res.status != http.StatusOK {
			t.Fatalf("GET %s = %d\n%s; want 200", path, res.status, res.body)
		}
		for _, inv := range body.Value {
			if seen[inv.ID] {
				t.Errorf("%s listed twice", inv.ID)
			}
			seen[inv.ID] = true
		}
		path = ""
		if body.NextLink != "" {
			u, err := url.Parse(body.NextLink)
			if err != nil {
				t.Fatal(err)
			}
			path = u.RequestURI()
		}
	}
	if len(seen) != 5 {
		t.Errorf("paging over both instances listed %d invitations; want 5", len(seen))
	}
}

// PostgreSQL stopped under a running server: requests answer 503 with
// Retry-After and a Graph error body within the request timeout, /readyz
// fails, /healthz does not; when PostgreSQL is back the same process serves
// again.
func TestDatabaseOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a server and stops a PostgreSQL cluster under it; skipped with -short")
	}
	cluster := pgtest.StartCluster(t)
	t.Parallel()
	bin := buildServer(t)
	keyFile := filepath.Join(t.TempDir(), "dev-jwt.key")
	tok := token(t, keyFile, "urn:li:person:A1iceX9")
	const requestTimeout = 3 * time.Second
	addr, _ := startProcess(t, bin, "-addr", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0", "-db", cluster.DSN("postgres"), "-dev-key-file", keyFile,
		"-request-timeout", requestTimeout.String(), "-db-connect-timeout", "2s")
	c := newAPI(t, addr, tok)
	created := c.do("POST", collection, `{"invitee": "urn:li:person:Qm9i"}`)
	if created.status != http.StatusCreated {
		t.Fatalf("POST = %d; want 201\n%s", created.status, created.body)
	}
	item := collection + "/" + created.field("id")

	requests := []struct{ method, path, body string }{
		{"POST", collection, `{"invitee": "urn:li:person:Q2Fyb2w"}`},
		{"GET", item, ""},
		{"GET", collection + "?$count=true", ""},
		{"PATCH", item, `{"trackingId": "t-1"}`},
		{"DELETE", item, ""},
	}
	cluster.Stop()
	for _, r := range requests {
		start := time.Now()
		res := c.do(r.method, r.path, r.body)
		if d := time.Since(start); d > requestTimeout+time.Second {
			t.Errorf("%s %s took %v with PostgreSQL stopped; want at most the request timeout (%v)", r.method, r.path, d, requestTimeout)
		}
		var body struct {
			Error struct{ Code, Message string }
		}
		json.Unmarshal(res.body, &body)
		if res.status != http.StatusServiceUnavailable || res.header.Get("Retry-After") == "" || body.Error.Code != "serviceNotAvailable" {
			t.Errorf("%s %s with PostgreSQL stopped = %d, Retry-After %q\n%s; want 503, Retry-After, a serviceNotAvailable error",
				r.method, r.path, res.status, res.header.Get("Retry-After"), res.body)
		}
	}
	if res := c.do("GET", "/readyz", ""); res.status != http.StatusServiceUnavailable {
		t.Errorf("/readyz with PostgreSQL stopped = %d; want 503", res.status)
	}
	if res := c.do("GET", "/healthz", ""); res.status != http.StatusOK {
		t.Errorf("/healthz with PostgreSQL stopped = %d; want 200 (the process itself is fine)", res.status)
	}

	cluster.Start()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for c.do("GET", "/readyz", "").status != http.StatusOK {
		if ctx.Err() != nil {
			t.Fatal("/readyz does not answer 200 within 20 s of PostgreSQL starting again")
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, r := range requests {
		res := c.do(r.method, r.path, r.body)
		if res.status >= 300 {
			t.Errorf("%s %s after PostgreSQL came back = %d; want success\n%s", r.method, r.path, res.status, res.body)
		}
	}
}

// PostgreSQL hanging (accepting connections, answering nothing) under a
// running server: requests answer 503 when the request timeout ends, not
// later; when it answers again, so does the server.
func TestDatabaseHangs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a server and freezes its database connections; skipped with -short")
	}
	dsn := pgtest.Database(t)
	t.Parallel()
	proxy := pgtest.NewProxy(t, dsn)
	bin := buildServer(t)
	keyFile := filepath.Join(t.TempDir(), "dev-jwt.key")
	tok := token(t, keyFile, "urn:li:person:A1iceX9")
	const requestTimeout = 2 * time.Second
	// No statement timeout: the request's own deadline must end the wait.
	addr, _ := startProcess(t, bin, "-addr", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0", "-db", proxy.DSN(dsn), "-dev-key-file", keyFile,
		"-request-timeout", requestTimeout.String(), "-db-statement-timeout", "0", "-db-max-conns", "2")
	c := newAPI(t, addr, tok)
	created := c.do("POST", collection, `{"invitee": "urn:li:person:Qm9i"}`)
	if created.status != http.StatusCreated {
		t.Fatalf("POST = %d; want 201\n%s", created.status, created.body)
	}
	item := collection + "/" + created.field("id")

	proxy.Freeze()
	// More requests than the pool has connections, at once: the ones
	// waiting for a connection must give up in time as well.
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			method, path, body := "GET", item, ""
			if i%2 == 1 {
				method, path, body = "POST", collection, fmt.Sprintf(`{"invitee": "urn:li:person:P%d"}`, i)
			}
			start := time.Now()
			res := c.do(method, path, body)
			if d := time.Since(start); d > requestTimeout+time.Second {
				t.Errorf("%s %s took %v with the database hanging; want at most the request timeout (%v)", method, path, d, requestTimeout)
			}
			if res.status != http.StatusServiceUnavailable || res.header.Get("Retry-After") == "" {
				t.Errorf("%s %s with the database hanging = %d, Retry-After %q; want 503 with Retry-After\n%s",
					method, path, res.status, res.header.Get("Retry-After"), res.body)
			}
		})
	}
	wg.Wait()
	start := time.Now()
	if res := c.do("GET", "/readyz", ""); res.status != http.StatusServiceUnavailable || time.Since(start) > requestTimeout+time.Second {
		t.Errorf("/readyz with the database hanging = %d after %v; want 503 within the request timeout", res.status, time.Since(start))
	}

	proxy.Thaw()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for c.do("GET", "/readyz", "").status != http.StatusOK {
		if ctx.Err() != nil {
			t.Fatal("/readyz does not answer 200 within 20 s of the database answering again")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if res := c.do("GET", item, ""); res.status != http.StatusOK {
		t.Errorf("GET after the database answers again = %d; want 200\n%s", res.status, res.body)
	}
}

// PostgreSQL is stricter than SQLite (no NUL in text, bigint bounds); bad
// input still never gets a 5xx from a server on it.
func TestBadInputOnPostgres(t *testing.T) {
	dsn := pgtest.Database(t)
	t.Parallel()
	keyFile := filepath.Join(t.TempDir(), "dev-jwt.key")
	addr, stop := startRun(t, "-addr", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0", "-db", dsn, "-dev-key-file", keyFile)
	defer stop()
	c := newAPI(t, addr, token(t, keyFile, "urn:li:person:A1iceX9"))
	created := c.do("POST", collection, `{"invitee": "urn:li:person:Qm9i"}`)
	if created.status != http.StatusCreated {
		t.Fatalf("POST = %d; want 201\n%s", created.status, created.body)
	}
	item := collection + "/" + created.field("id")
	for _, r := range []struct{ method, path, body, ifMatch string }{
		{"POST", collection, `{"invitee": "urn:li:person:A", "trackingId": "\u0000"}`, ""},
		{"POST", collection, `{"invitee": "urn:li:email:a\u0000@b.co"}`, ""},
		{"POST", collection, `{"invitee": "urn:li:person:A", "message": {"invitationMessage": {"body": "a\u0000"}}}`, ""},
		{"POST", collection, `{"invitee": "urn:li:person:A", "message": {"invitationTemplateID": "\u0000"}}`, ""},
		{"PATCH", item, `{"trackingId": "x\u0000"}`, ""},
		{"PATCH", item, `{"trackingId": "x"}`, `"9223372036854775807"`},
		{"PATCH", item, `{"trackingId": "x"}`, `"99999999999999999999999"`},
		{"DELETE", item, "", `"-1"`},
		{"GET", collection + "?$filter=" + url.QueryEscape("trackingId eq 'a\x00b'"), "", ""},
		{"GET", collection + "?$filter=" + url.QueryEscape("created gt 9223372036854775807"), "", ""},
		{"GET", collection + "?$filter=" + url.QueryEscape("lastModified le -9223372036854775808"), "", ""},
		{"GET", collection + "?$filter=" + url.QueryEscape("created gt 99999999999999999999"), "", ""},
		{"GET", collection + "?$skip=1000000&$top=999&$count=true", "", ""},
		{"GET", collection + "?$skiptoken=AZsA5zVh3f8KZGQ0ZDEyZjU", "", ""},
		{"GET", collection + "/3F0C8E1A-6A3D-4F57-9A8E-2B7D4C1E9F60", "", ""},
	} {
		var header []string
		if r.ifMatch != "" {
			header = []string{"If-Match", r.ifMatch}
		}
		if res := c.do(r.method, r.path, r.body, header...); res.status >= 500 {
			t.Errorf("%s %s %s = %d; want no 5xx\n%s", r.method, r.path, r.body, res.status, res.body)
		}
	}
}
