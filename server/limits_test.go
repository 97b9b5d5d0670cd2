package server_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/client/raw"
	"github.com/graph-linkedin/invitations/jwtauth"
	"github.com/graph-linkedin/invitations/memory"
	"github.com/graph-linkedin/invitations/server"
	"github.com/graph-linkedin/invitations/spectest"
)

func TestThrottle(t *testing.T) {
	reg := prometheus.NewRegistry()
	e := newEnv(t, func(o *server.Options) {
		// One request per 100 s, two at once: the third in a row is over.
		o.Throttle = server.Throttle{Rate: 0.01, Burst: 2}
		o.Metrics = reg
	})
	alices := delegated(t, tenantA, alice, invitations.PermRead)
	for i := range 2 {
		res := e.list(alices, raw.ListInvitationsParams{})
		if res.StatusCode() != http.StatusOK {
			t.Fatalf("request %d: status = %d; want 200", i+1, res.StatusCode())
		}
		h := res.HTTPResponse.Header
		// One request per 100 s: the next in 100 s (ratelimit_test.go
		// checks these fields further).
		if want := `"default";r=` + strconv.Itoa(1-i) + ";t=100"; h.Get("RateLimit-Policy") != `"default";q=2;w=200` || h.Get("RateLimit") != want {
			t.Errorf("request %d: RateLimit-Policy %q, RateLimit %q; want %q, %q", i+1, h.Get("RateLimit-Policy"), h.Get("RateLimit"), `"default";q=2;w=200`, want)
		}
	}
	res := e.list(alices, raw.ListInvitationsParams{})
	if res.StatusCode() != http.StatusTooManyRequests {
		t.Fatalf("third request: status = %d; want 429", res.StatusCode())
	}
	if got := errorOf(t, res.Body).Code; got != raw.ErrorCodeTooManyRequests {
		t.Errorf("code = %q; want TooManyRequests", got)
	}
	// The bucket refills one request in 100 s: Retry-After says when.
	if after, err := strconv.Atoi(res.HTTPResponse.Header.Get("Retry-After")); err != nil || after < 90 || after > 100 {
		t.Errorf("Retry-After = %q; want 90 to 100 seconds", res.HTTPResponse.Header.Get("Retry-After"))
	}
	// Another caller has its own bucket; the probes have none.
	if res := e.list(delegated(t, tenantA, bob, invitations.PermRead), raw.ListInvitationsParams{}); res.StatusCode() != http.StatusOK {
		t.Errorf("another caller: status = %d; want 200", res.StatusCode())
	}
	root := strings.TrimSuffix(e.url, "/v1.0")
	for range 3 {
		if res, _ := e.do(http.MethodGet, root+"/healthz", ""); res.StatusCode != http.StatusOK {
			t.Errorf("/healthz: status = %d; want 200", res.StatusCode)
		}
	}
	if got := metric(t, reg, "invitations_throttled_requests_total", nil); got != 1 {
		t.Errorf("throttled requests counted: %v; want 1", got)
	}
}

// slowStore holds every create until released, as a database stuck on a
// slow disk would.
type slowStore struct {
	*memory.Store
	entered chan struct{}
	release chan struct{}
}

func (s *slowStore) CreateInvitation(ctx context.Context, inv invitations.Invitation) (invitations.Invitation, error) {
	s.entered <- struct{}{}
	<-s.release
	return s.Store.CreateInvitation(ctx, inv)
}

func TestOverload(t *testing.T) {
	store := &slowStore{Store: memory.New(nil), entered: make(chan struct{}, 8), release: make(chan struct{})}
	reg := prometheus.NewRegistry()
	h, err := server.New(store, slog.New(slog.NewTextHandler(t.Output(), nil)), server.Options{
		Verifier: jwtauth.NewHS256(testKey, jwtauth.DevIssuer, jwtauth.DevAudience),
		Overload: server.Overload{InFlight: 1, Queue: 1},
		Metrics:  reg,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, err := raw.NewClientWithResponses(srv.URL+server.BasePath, raw.WithHTTPClient(spectest.NewTransport(t, nil).Client()))
	if err != nil {
		t.Fatal(err)
	}
	token := delegated(t, tenantA, alice, invitations.PermReadWrite)
	create := func(invitee string) chan int {
		done := make(chan int, 1)
		go func() {
			res, err := c.CreateInvitationWithResponse(context.Background(), nil, raw.InvitationV2Create{Invitee: invitee}, as(token))
			if err != nil {
				t.Error(err)
			}
			done <- res.StatusCode()
		}()
		return done
	}
	first := create("urn:li:person:First") // takes the one slot, and hangs in the database
	<-store.entered
	second := create("urn:li:person:Second") // waits in the queue of one
	waitFor(t, func() bool { return metric(t, reg, "invitations_db_waiting", nil) == 1 })

	// The next finds the slot taken and the queue full: refused at once.
	res, err := c.GetInvitationWithResponse(context.Background(), "3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60", nil,
		as(delegated(t, tenantA, alice, invitations.PermRead)))
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode() != http.StatusServiceUnavailable {
		t.Fatalf("with the database busy and its queue full: status = %d; want 503", res.StatusCode())
	}
	if res.HTTPResponse.Header.Get("Retry-After") == "" || errorOf(t, res.Body).Code != raw.ErrorCodeServiceNotAvailable {
		t.Errorf("503 without Retry-After or serviceNotAvailable: %s", res.Body)
	}
	if got := metric(t, reg, "invitations_shed_requests_total", nil); got != 1 {
		t.Errorf("shed requests counted: %v; want 1", got)
	}

	close(store.release) // the database recovers: both waiting creates finish
	if got := <-first; got != http.StatusCreated {
		t.Errorf("first create: status = %d; want 201", got)
	}
	if got := <-second; got != http.StatusCreated {
		t.Errorf("queued create: status = %d; want 201", got)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
}

func TestHeaderLimit(t *testing.T) {
	e := newEnv(t)
	res := e.create(delegated(t, tenantA, alice, invitations.PermReadWrite), raw.InvitationV2Create{Invitee: bob},
		header("X-Padding", strings.Repeat("x", 40<<10)))
	if res.StatusCode() != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("status = %d; want 431", res.StatusCode())
	}
	if got := errorOf(t, res.Body).Code; got != raw.ErrorCodeRequestHeaderFieldsTooLarge {
		t.Errorf("code = %q; want requestHeaderFieldsTooLarge", got)
	}
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	e := newEnv(t, func(o *server.Options) { o.Metrics = reg })
	token := delegated(t, tenantA, alice, invitations.PermReadWrite)
	e.create(token, raw.InvitationV2Create{Invitee: bob})
	e.create(token, raw.InvitationV2Create{Invitee: bob}) // 409
	e.get(token, "not-a-uuid")                            // 400
	e.get("", "not-a-uuid")                               // 401, no token
	expired := claims(tenantA, alice)
	expired.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Hour))
	e.get(mint(t, expired), "not-a-uuid") // 401, expired
	for reason, want := range map[string]float64{"missing": 1, "expired": 1} {
		if got := metric(t, reg, "invitations_token_failures_total", map[string]string{"reason": reason}); got != want {
			t.Errorf("token failures for %s: %v; want %v", reason, got, want)
		}
	}
	for _, tt := range []struct {
		op, status string
		want       float64
	}{{"createInvitation", "201", 1}, {"createInvitation", "409", 1}, {"getInvitation", "400", 1}} {
		got := metric(t, reg, "invitations_http_requests_total", map[string]string{"operation": tt.op, "status": tt.status})
		if got != tt.want {
			t.Errorf("invitations_http_requests_total{%s,%s} = %v; want %v", tt.op, tt.status, got, tt.want)
		}
	}
	if got := metric(t, reg, "invitations_http_request_duration_seconds", map[string]string{"operation": "createInvitation"}); got != 2 {
		t.Errorf("createInvitation durations observed: %v; want 2", got)
	}
	if got := metric(t, reg, "invitations_db_duration_seconds", map[string]string{"method": "CreateInvitation"}); got != 2 {
		t.Errorf("database timings of CreateInvitation: %v; want 2", got)
	}
}

// metric is the value of a counter or gauge, or the sample count of a
// histogram, summed over the series whose labels include labels.
func metric(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range families {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if have[k] != v {
					continue series
				}
			}
			switch {
			case m.Counter != nil:
				sum += m.GetCounter().GetValue()
			case m.Gauge != nil:
				sum += m.GetGauge().GetValue()
			case m.Histogram != nil:
				sum += float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return sum
}

// countingVerifier counts the tokens it is asked to verify.
type countingVerifier struct {
	server.Verifier
	calls atomic.Int64
}

func (v *countingVerifier) Verify(ctx context.Context, token string) (invitations.Caller, error) {
	v.calls.Add(1)
	return v.Verifier.Verify(ctx, token)
}

// Each client address may cause a few failed authentications; then its
// requests get a 429 with Retry-After before their token is looked at, a
// valid one included, while other addresses and the probes go on. Behind a
// trusted proxy the address is the client it names; from anyone else
// X-Forwarded-For counts for nothing.
func TestFailedAuthenticationBudget(t *testing.T) {
	for _, tt := range []struct {
		name    string
		proxies []netip.Prefix
		// from sets a request's claimed origin; other is another client's.
		from, other string
		separate    bool // whether from and other have budgets of their own
	}{
		{"direct", nil, "", "", false},
		{"forwarded by an untrusted peer", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, "203.0.113.7", "203.0.113.8", false},
		{"forwarded by a trusted proxy", []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, "203.0.113.7", "203.0.113.8", true},
		{"IPv6 clients of one /64", []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, "2001:db8:1:2::7", "2001:db8:1:2:ffff::8", false},
		{"IPv6 clients of two /64s", []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, "2001:db8:1:2::7", "2001:db8:1:3::7", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			v := &countingVerifier{Verifier: jwtauth.NewHS256(testKey, jwtauth.DevIssuer, jwtauth.DevAudience)}
			e := newEnv(t, func(o *server.Options) {
				o.Verifier = v
				o.AuthFailures = server.FailureBudget{Rate: 0.01, Burst: 3} // one more per 100 s
				o.TrustedProxies = tt.proxies
				o.Metrics = reg
			})
			list := e.url + "/linkedIn/invitations"
			from := func(addr string) func(*http.Request) {
				return func(req *http.Request) {
					if addr != "" {
						req.Header.Set("X-Forwarded-For", "198.51.100.1, "+addr)
					}
				}
			}
			bad := mint(t, claims(tenantB, alice))[:40] + "x.y"
			for i := range 3 {
				if res, _ := e.doAs(bad, http.MethodGet, list, "", from(tt.from)); res.StatusCode != http.StatusUnauthorized {
					t.Fatalf("bad token %d: status %d; want 401", i+1, res.StatusCode)
				}
			}
			if res, _ := e.doAs("", http.MethodGet, list, "", from(tt.from)); res.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("after 3 failures, no token: status %d; want 429", res.StatusCode)
			}
			verified := v.calls.Load()
			valid := application(t, tenantA, invitations.PermReadAll)
			res, body := e.doAs(valid, http.MethodGet, list, "", from(tt.from))
			if res.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("after 3 failures, a valid token: status %d; want 429", res.StatusCode)
			}
			// The budget refills one failure in 100 s: Retry-After says when.
			if after, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || after < 90 || after > 100 {
				t.Errorf("Retry-After = %q; want 90 to 100 seconds", res.Header.Get("Retry-After"))
			}
			if got := errorOf(t, []byte(body)); got.Code != raw.ErrorCodeTooManyRequests || !strings.Contains(got.Message, "failed authentications") {
				t.Errorf("error = %s %q; want TooManyRequests about failed authentications", got.Code, got.Message)
			}
			if got := v.calls.Load(); got != verified {
				t.Errorf("the refused request's token was verified (%d verifications, %d before); want it refused first", got, verified)
			}
			if got := metric(t, reg, "invitations_auth_refused_requests_total", nil); got != 2 {
				t.Errorf("refused requests counted: %v; want 2", got)
			}

			res, _ = e.doAs(valid, http.MethodGet, list, "", from(tt.other))
			if want := map[bool]int{true: http.StatusOK, false: http.StatusTooManyRequests}[tt.separate]; res.StatusCode != want {
				t.Errorf("the other client, with a valid token: status %d; want %d", res.StatusCode, want)
			}
			// Operations without a token are not affected.
			if res, _ := e.do(http.MethodGet, strings.TrimSuffix(e.url, "/v1.0")+"/healthz", ""); res.StatusCode != http.StatusOK {
				t.Errorf("/healthz: status %d; want 200", res.StatusCode)
			}
		})
	}
}

// Valid tokens and 403s spend nothing: a caller that authenticates never
// meets the budget.
func TestFailedAuthenticationBudgetSpares(t *testing.T) {
	e := newEnv(t, func(o *server.Options) { o.AuthFailures = server.FailureBudget{Rate: 0.01, Burst: 1} })
	list := e.url + "/linkedIn/invitations"
	for i, token := range []string{
		application(t, tenantA, invitations.PermReadAll),
		mint(t, claims("9188040d-6c67-4c5b-b112-36a304b66dad", alice)), // a personal account: 403
		delegated(t, tenantA, alice, "User.Read"),                      // no permission: 403
		application(t, tenantA, invitations.PermReadAll),
		"", // the first failure: 401
	} {
		want := []int{200, 403, 403, 200, 401}[i]
		if res, _ := e.doAs(token, http.MethodGet, list, ""); res.StatusCode != want {
			t.Errorf("request %d: status %d; want %d", i+1, res.StatusCode, want)
		}
	}
	if res, _ := e.doAs("", http.MethodGet, list, ""); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the second failure: status %d; want 429", res.StatusCode)
	}
}

// A request reads Options.Now once, where it enters, however many steps
// need the time (the failed-authentication budget, the throttle): the
// clock is slow enough here for its reads to show in a request's CPU.
func TestOneClockReadPerRequest(t *testing.T) {
	var reads atomic.Int64
	e := newEnv(t, func(o *server.Options) {
		o.Now = func() time.Time { reads.Add(1); return time.Now() }
		o.Throttle = server.Throttle{Rate: 1000, Burst: 1000}
		o.AuthFailures = server.FailureBudget{Rate: 1, Burst: 100}
	})
	alices := delegated(t, tenantA, alice, invitations.PermRead)
	for i := range 3 {
		before := reads.Load()
		if res := e.list(alices, raw.ListInvitationsParams{}); res.StatusCode() != http.StatusOK {
			t.Fatalf("request %d: status = %d; want 200", i+1, res.StatusCode())
		}
		if got := reads.Load() - before; got != 1 {
			t.Errorf("request %d read the clock %d times; want 1", i+1, got)
		}
	}
}
