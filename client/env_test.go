package client_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/client"
	"github.com/graph-linkedin/invitations/jwtauth"
	"github.com/graph-linkedin/invitations/notifytest"
	"github.com/graph-linkedin/invitations/server"
	"github.com/graph-linkedin/invitations/spectest"
	"github.com/graph-linkedin/invitations/sqlite"
)

// The people and tenants of the tests.
const (
	tenant = "6f1c2d3e-0a1b-4c5d-8e9f-a0b1c2d3e4f5"
	alice  = "urn:li:person:A1iceX9"
	bob    = "urn:li:person:B0bY7z"
	appID  = "3c0f5a1e-27d4-4c63-9a0b-5e8f2d1c4b7a"
)

var testKey = []byte("test-key-0123456789abcdef0123456789abcdef")

// newServer starts the real service over a fresh SQLite file and returns its
// base URL (ending in /v1.0).
func newServer(t testing.TB) string {
	t.Helper()
	url, _ := newServerStore(t)
	return url
}

// newServerStore is newServer that also returns the service's store.
func newServerStore(t testing.TB) (string, *sqlite.Store) {
	t.Helper()
	return startServer(t, sqlite.Options{}, server.Options{})
}

// newNotifyingServer is newServer with change notifications, as
// invitationsd runs them with -notify-allow-private (see
// notifytest.Dispatcher).
func newNotifyingServer(t testing.TB) string {
	t.Helper()
	d := notifytest.NewDispatcher()
	url, store := startServer(t, sqlite.Options{OnQueued: d.Queued}, server.Options{Handshaker: d.Client})
	d.Start(t, store)
	return url
}

// startServer starts the real service over a fresh SQLite file opened with
// so, built with opts.
func startServer(t testing.TB, so sqlite.Options, opts server.Options) (string, *sqlite.Store) {
	t.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "invitations.db"), so)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	opts.Verifier = jwtauth.NewHS256(testKey, jwtauth.DevIssuer, jwtauth.DevAudience)
	// Some tests put a proxy (startFlaky) between the client and the
	// service, which passes on the Host it was asked for; the service
	// trusts it, as it would a load balancer, so its links lead back
	// through the proxy.
	opts.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	h, err := server.New(store, slog.New(slog.NewTextHandler(t.Output(), nil)), opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL + server.BasePath, store
}

// token is an access token for sub in the test tenant, with delegated
// scopes or application roles.
func token(t testing.TB, sub string, scopes, roles []string) string {
	t.Helper()
	now := time.Now()
	tok, err := jwtauth.MintHS256(testKey, jwtauth.Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    jwtauth.DevIssuer,
			Audience:  jwt.ClaimStrings{jwtauth.DevAudience},
			Subject:   sub,
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)),
		},
		TenantID: tenant,
		Scope:    strings.Join(scopes, " "),
		Roles:    roles,
	})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// delegated is a token of user that may read and write their invitations.
func delegated(t testing.TB, user string) string {
	return token(t, user, []string{invitations.PermReadWrite}, nil)
}

// app is an application's token that may do anything in the tenant.
func app(t testing.TB) string {
	return token(t, appID, nil, []string{invitations.PermReadWriteAll})
}

// recorder is an http.RoundTripper that remembers the requests it sends.
type recorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	reqs []*http.Request
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	return r.base.RoundTrip(req)
}

func (r *recorder) requests() []*http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*http.Request(nil), r.reqs...)
}

// newClient returns a client of the service at url with token, whose every
// response is checked against openapi.yaml, and the recorder of its
// requests.
func newClient(t testing.TB, url, token string, opts ...client.Option) (*client.Client, *recorder) {
	t.Helper()
	rec := &recorder{base: spectest.NewTransport(t, nil)}
	opts = append([]client.Option{client.WithTransport(rec)}, opts...)
	if token != "" {
		opts = append(opts, client.WithToken(token))
	}
	c, err := client.New(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c, rec
}

// count is how many invitations the test tenant has at the service at url.
func count(t testing.TB, url string) int64 {
	t.Helper()
	c, _ := newClient(t, url, app(t))
	page, err := c.ListPage(context.Background(), client.ListOptions{Count: true})
	if err != nil || page.Count == nil {
		t.Fatalf("ListPage with Count: %v", err)
	}
	return *page.Count
}
