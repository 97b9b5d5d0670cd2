package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/graph-linkedin/invitations/client"
	"github.com/graph-linkedin/invitations/client/raw"
)

// flaky is a server in front of the real one that answers some requests
// itself, as an overloaded service would: 503 (or status) with Retry-After.
type flaky struct {
	fail       func(n int, r *http.Request) bool // whether to fail the nth request (from 1)
	status     int                               // 503 when 0
	retryAfter string                            // the Retry-After header; none when ""
	next       http.Handler

	mu   sync.Mutex
	seen []*http.Request
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.seen = append(f.seen, r)
	n := len(f.seen)
	f.mu.Unlock()
	if f.fail == nil || !f.fail(n, r) {
		f.next.ServeHTTP(w, r)
		return
	}
	status := f.status
	if status == 0 {
		status = http.StatusServiceUnavailable
	}
	code := map[int]string{409: "conflict", 429: "TooManyRequests", 503: "serviceNotAvailable"}[status]
	if f.retryAfter != "" {
		w.Header().Set("Retry-After", f.retryAfter)
	}
	w.Header().Set("request-id", fmt.Sprintf("flaky-%d", n))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"code":%q,"message":"try again later","innerError":{"request-id":"flaky-%d","date":"2026-11-25T17:45:28Z"}}}`, code, n)
}

func (f *flaky) requests() []*http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.seen)
}

// first fails the first n requests.
func first(n int) func(int, *http.Request) bool {
	return func(i int, _ *http.Request) bool { return i <= n }
}

func always(int, *http.Request) bool { return true }

// startFlaky puts f in front of the real service at apiURL and returns the
// API's base URL through f.
func startFlaky(t *testing.T, apiURL string, f *flaky) string {
	t.Helper()
	u, err := url.Parse(apiURL)
	if err != nil {
		t.Fatal(err)
	}
	f.next = httputil.NewSingleHostReverseProxy(&url.URL{Scheme: u.Scheme, Host: u.Host})
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return srv.URL + u.Path
}

// fakeClock is the clock of retries: sleeping moves it forward at once.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	waits []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 25, 17, 45, 28, 0, time.UTC)}
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
	c.t = c.t.Add(d)
	return ctx.Err()
}

func (c *fakeClock) option() client.Option { return client.WithClock(c.now, c.sleep) }

// plainClient is a client without the spec check (flaky's answers may break
// the spec on purpose).
func plainClient(t *testing.T, url string, opts ...client.Option) *client.Client {
	t.Helper()
	c, err := client.New(url, append([]client.Option{client.WithToken(app(t))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A 503 with Retry-After is retried after the wait it asks for, with the
// same client-request-id, until the service answers.
func TestRetryHonoursRetryAfter(t *testing.T) {
	ctx := context.Background()
	api := newServer(t)
	inv, err := plainClient(t, api).CreateInvitation(ctx, client.NewInvitation{Inviter: alice, Invitee: bob})
	if err != nil {
		t.Fatal(err)
	}
	f := &flaky{fail: first(2), retryAfter: "1"}
	clock := newFakeClock()
	c := plainClient(t, startFlaky(t, api, f), clock.option())

	got, err := c.GetInvitation(ctx, inv.ID)
	if err != nil {
		t.Fatalf("GetInvitation through two 503s: %v", err)
	}
	if got.ID != inv.ID {
		t.Errorf("GetInvitation = %s; want %s", got.ID, inv.ID)
	}
	if want := []time.Duration{time.Second, time.Second}; !slices.Equal(clock.waits, want) {
		t.Errorf("waits %v; want %v", clock.waits, want)
	}
	reqs := f.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d attempts; want 3", len(reqs))
	}
	id := reqs[0].Header.Get("client-request-id")
	for i, r := range reqs {
		if r.Header.Get("client-request-id") != id || id == "" {
			t.Errorf("attempt %d: client-request-id %q; want %q on every attempt", i+1, r.Header.Get("client-request-id"), id)
		}
	}
}

// The wait is a real one.
func TestRetryWaits(t *testing.T) {
	ctx := context.Background()
	f := &flaky{fail: first(1), retryAfter: "1"}
	c := plainClient(t, startFlaky(t, newServer(t), f))
	start := time.Now()
	page, err := c.ListPage(ctx, client.ListOptions{})
	if err != nil {
		t.Fatalf("ListPage through a 503: %v", err)
	}
	if elapsed := time.Since(start); elapsed < time.Second {
		t.Errorf("answered after %v; want at least the 1s Retry-After asked", elapsed)
	}
	if len(page.Invitations) != 0 || len(f.requests()) != 2 {
		t.Errorf("%d invitations, %d attempts; want 0 and 2", len(page.Invitations), len(f.requests()))
	}
}

// Retries stop after MaxAttempts, with the last answer's error.
func TestRetryAttemptLimit(t *testing.T) {
	for _, status := range []int{http.StatusServiceUnavailable, http.StatusTooManyRequests} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			f := &flaky{fail: always, status: status, retryAfter: "2"}
			clock := newFakeClock()
			c := plainClient(t, startFlaky(t, newServer(t), f), clock.option(), client.WithRetry(client.RetryPolicy{MaxAttempts: 3}))
			_, err := c.GetInvitation(context.Background(), "3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60")
			kind := map[int]error{503: client.ErrUnavailable, 429: client.ErrThrottled}[status]
			var e *client.Error
			if !errors.Is(err, kind) || !errors.As(err, &e) || e.RetryAfter != 2*time.Second || e.RequestID != "flaky-3" {
				t.Errorf("GetInvitation: %#v; want the third answer, %v, Retry-After 2s", err, kind)
			}
			if n := len(f.requests()); n != 3 {
				t.Errorf("%d attempts; want 3", n)
			}
			if want := []time.Duration{2 * time.Second, 2 * time.Second}; !slices.Equal(clock.waits, want) {
				t.Errorf("waits %v; want %v", clock.waits, want)
			}
		})
	}
}

// Without Retry-After the waits grow exponentially, with jitter, capped.
func TestRetryBackoff(t *testing.T) {
	f := &flaky{fail: first(5)}
	clock := newFakeClock()
	policy := client.RetryPolicy{MaxAttempts: 6, BaseDelay: 100 * time.Millisecond, MaxDelay: 300 * time.Millisecond}
	c := plainClient(t, startFlaky(t, newServer(t), f), clock.option(), client.WithRetry(policy))
	if _, err := c.ListPage(context.Background(), client.ListOptions{}); err != nil {
		t.Fatalf("ListPage through five 503s: %v", err)
	}
	ceilings := []time.Duration{100, 200, 300, 300, 300}
	if len(clock.waits) != len(ceilings) {
		t.Fatalf("waits %v; want %d", clock.waits, len(ceilings))
	}
	for i, w := range clock.waits {
		ceil := ceilings[i] * time.Millisecond
		if w < ceil/2 || w > ceil {
			t.Errorf("wait %d = %v; want between %v and %v", i+1, w, ceil/2, ceil)
		}
	}
}

// A Retry-After that would end past MaxElapsed, or past the context's
// deadline, ends the retries at once.
func TestRetryBudget(t *testing.T) {
	t.Run("MaxElapsed", func(t *testing.T) {
		f := &flaky{fail: always, retryAfter: "10"}
		clock := newFakeClock()
		policy := client.RetryPolicy{MaxAttempts: 10, MaxElapsed: 25 * time.Second}
		c := plainClient(t, startFlaky(t, newServer(t), f), clock.option(), client.WithRetry(policy))
		_, err := c.ListPage(context.Background(), client.ListOptions{})
		if !errors.Is(err, client.ErrUnavailable) || len(f.requests()) != 3 {
			t.Errorf("ListPage: %v after %d attempts; want ErrUnavailable after 3 (at 0s, 10s, 20s)", err, len(f.requests()))
		}
	})
	t.Run("deadline", func(t *testing.T) {
		f := &flaky{fail: always, retryAfter: "30"}
		c := plainClient(t, startFlaky(t, newServer(t), f))
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		start := time.Now()
		_, err := c.ListPage(ctx, client.ListOptions{})
		if !errors.Is(err, client.ErrUnavailable) || len(f.requests()) != 1 || time.Since(start) > 2*time.Second {
			t.Errorf("ListPage: %v after %d attempts and %v; want ErrUnavailable at once", err, len(f.requests()), time.Since(start))
		}
	})
}

// A cancelled context stops the wait, promptly.
func TestRetryStopsWhenCancelled(t *testing.T) {
	f := &flaky{fail: always, retryAfter: "30"}
	c := plainClient(t, startFlaky(t, newServer(t), f))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.GetInvitation(ctx, "3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60")
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("returned after %v; want soon after the cancel at 100ms", elapsed)
	}
	if !errors.Is(err, context.Canceled) || !errors.Is(err, client.ErrUnavailable) {
		t.Errorf("GetInvitation: %v; want context.Canceled and the last answer, ErrUnavailable", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d attempts; want 1", n)
	}
}

// A create is retried like any other request, with the same
// Idempotency-Key (and client-request-id) on every attempt.
func TestCreateRetried(t *testing.T) {
	ada := client.NewInvitation{Inviter: alice, Invitee: "urn:li:email:ada.lovelace@contoso.com"}
	t.Run("503", func(t *testing.T) {
		f := &flaky{fail: first(1), retryAfter: "1"}
		clock := newFakeClock()
		api := newServer(t)
		c := plainClient(t, startFlaky(t, api, f), clock.option())
		inv, err := c.CreateInvitation(context.Background(), ada)
		if err != nil {
			t.Fatalf("CreateInvitation through a 503: %v", err)
		}
		checkRetriedOnce(t, f, clock)
		if n := count(t, api); n != 1 || inv.Invitee != ada.Invitee {
			t.Errorf("%d invitations, created %+v; want one, to %s", n, inv, ada.Invitee)
		}
	})
	t.Run("connection lost", func(t *testing.T) {
		var mu sync.Mutex
		var seen []string
		keys := map[string]bool{}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen = append(seen, r.Method)
			if r.Method == http.MethodPost {
				keys[r.Header.Get("Idempotency-Key")] = true
			}
			mu.Unlock()
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close() // read the request, then hang up without an answer
			}
		}))
		defer srv.Close()
		clock := newFakeClock()
		c := plainClient(t, srv.URL+"/v1.0", clock.option())
		if _, err := c.CreateInvitation(context.Background(), ada); err == nil {
			t.Error("CreateInvitation succeeded; want a connection error")
		}
		mu.Lock()
		defer mu.Unlock()
		if want := []string{"POST", "POST", "POST", "POST"}; !slices.Equal(seen, want) || len(keys) != 1 || keys[""] {
			t.Errorf("requests %v with keys %v; want %v, all with one key", seen, keys, want)
		}
	})
}

// checkRetriedOnce checks that f saw one request twice, after a wait of
// 1s, with one Idempotency-Key and client-request-id on both attempts.
func checkRetriedOnce(t *testing.T, f *flaky, clock *fakeClock) {
	t.Helper()
	reqs := f.requests()
	if len(reqs) != 2 || !slices.Equal(clock.waits, []time.Duration{time.Second}) {
		t.Fatalf("%d attempts, waits %v; want 2 attempts, one wait of 1s", len(reqs), clock.waits)
	}
	for _, name := range []string{"Idempotency-Key", "client-request-id"} {
		if v := reqs[0].Header.Get(name); v == "" || reqs[1].Header.Get(name) != v {
			t.Errorf("%s %q, then %q; want one on both attempts", name, v, reqs[1].Header.Get(name))
		}
	}
}

// dropFirstAnswer is a proxy that hands the first create to the service,
// waits for its answer, and hangs up on the client instead of passing it
// on, as a load balancer timing out would: the service created the
// invitation, and the client does not know.
type dropFirstAnswer struct {
	next    http.Handler
	mu      sync.Mutex
	dropped *httptest.ResponseRecorder // the answer the client never got
	seen    []*http.Request
}

func (d *dropFirstAnswer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	d.seen = append(d.seen, r)
	drop := r.Method == http.MethodPost && d.dropped == nil
	d.mu.Unlock()
	if !drop {
		d.next.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	d.next.ServeHTTP(rec, r)
	d.mu.Lock()
	d.dropped = rec
	d.mu.Unlock()
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		conn.Close()
	}
}

// startDropFirstAnswer puts a dropFirstAnswer in front of the service at
// apiURL and returns it and the API's base URL through it.
func startDropFirstAnswer(t *testing.T, apiURL string) (*dropFirstAnswer, string) {
	t.Helper()
	u, err := url.Parse(apiURL)
	if err != nil {
		t.Fatal(err)
	}
	d := &dropFirstAnswer{next: httputil.NewSingleHostReverseProxy(&url.URL{Scheme: u.Scheme, Host: u.Host})}
	srv := httptest.NewServer(d)
	t.Cleanup(srv.Close)
	return d, srv.URL + u.Path
}

// A create whose answer was lost is retried, and the retry gets the answer
// the service gave the first attempt: one invitation, not two.
func TestCreateRetryGetsFirstAnswer(t *testing.T) {
	api := newServer(t)
	d, through := startDropFirstAnswer(t, api)
	clock := newFakeClock()
	c := plainClient(t, through, clock.option())

	inv, err := c.CreateInvitation(context.Background(), client.NewInvitation{Inviter: alice, Invitee: bob, TrackingID: "t-1"})
	if err != nil {
		t.Fatalf("CreateInvitation with its first answer lost: %v", err)
	}
	d.mu.Lock()
	dropped, attempts := d.dropped, len(d.seen)
	d.mu.Unlock()
	if dropped == nil || dropped.Code != http.StatusCreated || attempts != 2 {
		t.Fatalf("the proxy dropped %v after %d attempts; want a 201 dropped, and 2 attempts", dropped, attempts)
	}
	var first raw.InvitationV2
	if err := json.Unmarshal(dropped.Body.Bytes(), &first); err != nil {
		t.Fatal(err)
	}
	if inv.ID != *first.ID || inv.ETag != dropped.Header().Get("ETag") {
		t.Errorf("CreateInvitation = %s (ETag %s); want the first attempt's invitation %s (ETag %s)",
			inv.ID, inv.ETag, *first.ID, dropped.Header().Get("ETag"))
	}
	if n := count(t, api); n != 1 {
		t.Errorf("%d invitations after a retried create; want 1", n)
	}
}

// A retry that finds the first attempt still in progress (409 with
// Retry-After) waits and tries again; a 409 for the invitation's pair is
// final.
func TestCreateRetriesWhileInProgress(t *testing.T) {
	ctx := context.Background()
	api := newServer(t)
	f := &flaky{fail: first(1), status: http.StatusConflict, retryAfter: "1"}
	clock := newFakeClock()
	c := plainClient(t, startFlaky(t, api, f), clock.option())
	if _, err := c.CreateInvitation(ctx, client.NewInvitation{Inviter: alice, Invitee: bob}); err != nil {
		t.Fatalf("CreateInvitation after an in-progress 409: %v", err)
	}
	if len(f.requests()) != 2 || !slices.Equal(clock.waits, []time.Duration{time.Second}) {
		t.Errorf("%d attempts, waits %v; want 2, [1s]", len(f.requests()), clock.waits)
	}
	_, err := c.CreateInvitation(ctx, client.NewInvitation{Inviter: alice, Invitee: bob})
	if !errors.Is(err, client.ErrConflict) || len(f.requests()) != 3 {
		t.Errorf("CreateInvitation of the same pair: %v after %d attempts in all; want ErrConflict after 1 more", err, len(f.requests()))
	}
}

// WithIdempotencyKey sets the key: a create repeated with it returns the
// first one's invitation; the key with another invitation is ErrKeyReused.
// Without it, every call has a key of its own.
func TestWithIdempotencyKey(t *testing.T) {
	ctx := context.Background()
	api := newServer(t)
	c, rec := newClient(t, api, app(t))
	const key = "order-4711"
	first, err := c.CreateInvitation(ctx, client.NewInvitation{Inviter: alice, Invitee: bob}, client.WithIdempotencyKey(key))
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.CreateInvitation(ctx, client.NewInvitation{Inviter: alice, Invitee: bob}, client.WithIdempotencyKey(key))
	if err != nil || again.ID != first.ID {
		t.Errorf("CreateInvitation again with the key = %v, %v; want the first invitation, %s", again, err, first.ID)
	}
	_, err = c.CreateInvitation(ctx, client.NewInvitation{Inviter: alice, Invitee: "urn:li:person:C4rol"}, client.WithIdempotencyKey(key))
	var e *client.Error
	if !errors.Is(err, client.ErrKeyReused) || !errors.As(err, &e) || e.StatusCode != http.StatusUnprocessableEntity || e.Target != "Idempotency-Key" {
		t.Errorf("CreateInvitation of another invitation with the key: %v; want ErrKeyReused, a 422 about Idempotency-Key", err)
	}
	if _, err := c.CreateInvitation(ctx, client.NewInvitation{Inviter: alice, Invitee: "urn:li:person:C4rol"}); err != nil {
		t.Errorf("CreateInvitation without a key: %v", err)
	}
	if _, err := c.CreateInvitation(ctx, client.NewInvitation{Inviter: alice, Invitee: "urn:li:person:D4ve"}); err != nil {
		t.Errorf("CreateInvitation without a key: %v", err)
	}
	var keys []string
	for _, r := range rec.requests() {
		keys = append(keys, r.Header.Get("Idempotency-Key"))
	}
	if len(keys) != 5 || keys[0] != key || keys[1] != key || keys[2] != key || keys[3] == "" || keys[4] == "" || keys[3] == keys[4] || keys[3] == key {
		t.Errorf("Idempotency-Keys sent: %q; want %q three times, then two random ones", keys, key)
	}
}

// A connection that cannot be made is retried, for a create too: the
// request never left.
func TestRetryConnectionRefused(t *testing.T) {
	api := newServer(t)
	u, _ := url.Parse(api)
	var mu sync.Mutex
	dials := 0
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		dials++
		n := dials
		mu.Unlock()
		if n <= 2 {
			return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
		}
		return (&net.Dialer{}).DialContext(ctx, network, u.Host)
	}}
	clock := newFakeClock()
	c := plainClient(t, api, clock.option(), client.WithTransport(tr))
	inv, err := c.CreateInvitation(context.Background(), client.NewInvitation{Inviter: alice, Invitee: bob})
	if err != nil {
		t.Fatalf("CreateInvitation after two refused connections: %v", err)
	}
	if inv.Invitee != bob || len(clock.waits) != 2 {
		t.Errorf("CreateInvitation = %+v after %d waits; want the invitation after 2", inv, len(clock.waits))
	}
}

// Paging survives 503s on the way.
func TestListThroughRetries(t *testing.T) {
	ctx := context.Background()
	api := newServer(t)
	seed(t, plainClient(t, api), 20)
	f := &flaky{fail: func(n int, _ *http.Request) bool { return n%2 == 1 }, retryAfter: "1"}
	clock := newFakeClock()
	c := plainClient(t, startFlaky(t, api, f), clock.option())
	n := 0
	for _, err := range c.ListInvitations(ctx, client.ListOptions{Top: 5}) {
		if err != nil {
			t.Fatalf("ListInvitations: %v", err)
		}
		n++
	}
	if n != 20 || len(clock.waits) != 4 {
		t.Errorf("%d invitations after %d waits; want 20 after 4", n, len(clock.waits))
	}
}

// An answer that is not a Graph error (a gateway's page) is still an
// *Error, of the kind its status says.
func TestNonGraphError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprint(w, "<html>bad gateway</html>")
	}))
	defer srv.Close()
	c := plainClient(t, srv.URL+"/v1.0")
	_, err := c.GetInvitation(context.Background(), "x")
	var e *client.Error
	if !errors.As(err, &e) || !errors.Is(err, client.ErrUnavailable) || e.Code != "" ||
		err.Error() != "502 Bad Gateway: <html>bad gateway</html>" {
		t.Errorf("GetInvitation: %v; want a 502 *Error that is ErrUnavailable", err)
	}
}

// countingSource is a token source that counts how often it is asked.
type countingSource struct {
	mu    sync.Mutex
	token string
	asked int
}

func (s *countingSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked++
	return &oauth2.Token{AccessToken: s.token}, nil
}

// The token source is asked before every attempt, so a retry after a long
// wait carries a fresh token.
func TestTokenSourcePerAttempt(t *testing.T) {
	api := newServer(t)
	f := &flaky{fail: first(1), retryAfter: "1"}
	ts := &countingSource{token: app(t)}
	clock := newFakeClock()
	c, err := client.New(startFlaky(t, api, f), client.WithTokenSource(ts), clock.option())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListPage(context.Background(), client.ListOptions{}); err != nil {
		t.Fatalf("ListPage: %v", err)
	}
	if ts.asked != 2 {
		t.Errorf("token asked %d times; want 2, once per attempt", ts.asked)
	}
	for i, r := range f.requests() {
		if r.Header.Get("Authorization") != "Bearer "+ts.token {
			t.Errorf("attempt %d: Authorization %q", i+1, r.Header.Get("Authorization"))
		}
	}
}
