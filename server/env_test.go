package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/client/raw"
	"github.com/graph-linkedin/invitations/jwtauth"
	"github.com/graph-linkedin/invitations/server"
	"github.com/graph-linkedin/invitations/spectest"
	"github.com/graph-linkedin/invitations/sqlite"
)

// The people and tenants of the tests.
const (
	tenantA = "6f1c2d3e-0a1b-4c5d-8e9f-a0b1c2d3e4f5"
	tenantB = "0d9e8f7a-6b5c-4d3e-9f2a-1b0c9d8e7f6a"
	alice   = "urn:li:person:A1iceX9"
	bob     = "urn:li:person:B0bY7z"
	appID   = "3c0f5a1e-27d4-4c63-9a0b-5e8f2d1c4b7a"
)

var testKey = []byte("test-key-0123456789abcdef0123456789abcdef")

// env is a real server on a real SQLite file behind a real listener, and the
// generated client whose every response is checked against openapi.yaml.
type env struct {
	t         testing.TB
	url       string // the API's base URL, ending in /v1.0
	client    *raw.ClientWithResponses
	transport *spectest.Transport
	store     *sqlite.Store
	handler   http.Handler // the server, for tests that skip the network
}

// envOption changes the server's options before newEnv builds it.
type envOption func(*server.Options)

// withVerifier has the server trust v's keys, and ask v in its readiness
// probe.
func withVerifier(v *jwtauth.Verifier) envOption {
	return func(o *server.Options) {
		o.Verifier = v
		o.Ready = v.Ready
	}
}

// newEnv builds the env; its server trusts the development key testKey
// unless an option says otherwise.
func newEnv(t testing.TB, options ...envOption) *env {
	t.Helper()
	store := openStore(t, sqlite.Options{})
	e := newEnvOver(t, store, options...)
	e.store = store
	return e
}

// openStore opens a SQLite store in a temporary directory, closed when the
// test ends.
func openStore(t testing.TB, opts sqlite.Options) *sqlite.Store {
	t.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "invitations.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// newEnvOver is newEnv over store (the env's store field stays nil). Its
// server checks its own responses against openapi.yaml too, and the test
// fails on any violation.
func newEnvOver(t testing.TB, store invitations.Store, options ...envOption) *env {
	t.Helper()
	opts := server.Options{
		Verifier:          jwtauth.NewHS256(testKey, jwtauth.DevIssuer, jwtauth.DevAudience),
		ValidateResponses: true,
		Metrics:           prometheus.NewRegistry(),
	}
	for _, o := range options {
		o(&opts)
	}
	h, err := server.New(store, slog.New(slog.NewTextHandler(t.Output(), nil)), opts)
	if err != nil {
		t.Fatal(err)
	}
	// This runs after srv.Close, once every request has been answered.
	reg, ok := opts.Metrics.(prometheus.Gatherer)
	if !ok {
		t.Fatal("newEnv needs Options.Metrics to be a prometheus.Gatherer, to read response violations")
	}
	t.Cleanup(func() {
		if n := responseViolations(t, reg); n > 0 {
			t.Errorf("the server sent %v responses that violate openapi.yaml (see the log: \"response violates openapi.yaml\")", n)
		}
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	tr := spectest.NewTransport(t, nil)
	c, err := raw.NewClientWithResponses(srv.URL+server.BasePath, raw.WithHTTPClient(tr.Client()))
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, url: srv.URL + server.BasePath, client: c, transport: tr, handler: h}
}

// responseViolations reads invitations_response_violations_total, summed
// over operations.
func responseViolations(t testing.TB, g prometheus.Gatherer) float64 {
	t.Helper()
	families, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n float64
	for _, f := range families {
		if f.GetName() == "invitations_response_violations_total" {
			for _, m := range f.GetMetric() {
				n += m.GetCounter().GetValue()
			}
		}
	}
	return n
}

// claims are a valid token's claims for sub in tenant.
func claims(tenant, sub string) jwtauth.Claims {
	now := time.Now()
	return jwtauth.Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    jwtauth.DevIssuer,
			Audience:  jwt.ClaimStrings{jwtauth.DevAudience},
			Subject:   sub,
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)),
		},
		TenantID: tenant,
	}
}

func mint(t testing.TB, c jwtauth.Claims) string {
	t.Helper()
	token, err := jwtauth.MintHS256(testKey, c)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// delegated is a token of user in tenant with the given scopes.
func delegated(t testing.TB, tenant, user string, scopes ...string) string {
	c := claims(tenant, user)
	c.Scope = strings.Join(scopes, " ")
	return mint(t, c)
}

// application is an application's token in tenant with the given roles.
func application(t testing.TB, tenant string, roles ...string) string {
	c := claims(tenant, appID)
	c.Roles = roles
	return mint(t, c)
}

// as authenticates a request with token; with "" it sends none.
func as(token string) raw.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		return nil
	}
}

// header sets a request header.
func header(key, value string) raw.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set(key, value)
		return nil
	}
}

// create posts body as JSON with token and returns the response.
func (e *env) create(token string, body raw.InvitationV2Create, edit ...raw.RequestEditorFn) *raw.CreateInvitationResponse {
	e.t.Helper()
	res, err := e.client.CreateInvitationWithResponse(context.Background(), nil, body, append([]raw.RequestEditorFn{as(token)}, edit...)...)
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

// createRaw posts raw bytes with a content type, for bodies the typed client
// cannot produce.
func (e *env) createRaw(token, contentType, body string, edit ...raw.RequestEditorFn) *raw.CreateInvitationResponse {
	e.t.Helper()
	if token != "" {
		edit = append(edit, as(token))
	}
	res, err := e.client.CreateInvitationWithBodyWithResponse(context.Background(), nil, contentType, strings.NewReader(body), edit...)
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

// errorOf decodes a Graph error body.
func errorOf(t *testing.T, body []byte) raw.MainError {
	t.Helper()
	var e raw.ODataError
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %s: %v", body, err)
	}
	return e.Error
}

func ptr[T any](v T) *T { return &v }

// withScope gives claims the permission to create.
func withScope(c jwtauth.Claims) jwtauth.Claims {
	c.Scope = invitations.PermReadWrite
	return c
}

// tamper changes a signed token's payload (its tenant) and keeps the
// signature.
func tamper(token string) string {
	parts := strings.Split(token, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	payload = bytes.Replace(payload, []byte(tenantA), []byte(tenantB), 1)
	parts[1] = base64.RawURLEncoding.EncodeToString(payload)
	return strings.Join(parts, ".")
}

// unsigned is an alg=none token.
func unsigned(t *testing.T, c jwtauth.Claims) string {
	t.Helper()
	token, err := jwt.NewWithClaims(jwt.SigningMethodNone, c).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func (e *env) get(token, id string) *raw.GetInvitationResponse {
	e.t.Helper()
	res, err := e.client.GetInvitationWithResponse(context.Background(), id, nil, as(token))
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

func (e *env) list(token string, params raw.ListInvitationsParams) *raw.ListInvitationsResponse {
	e.t.Helper()
	res, err := e.client.ListInvitationsWithResponse(context.Background(), &params, as(token))
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

// update sends a raw merge patch, with If-Match when ifMatch is not "".
func (e *env) update(token, id, patch, ifMatch string) *raw.UpdateInvitationResponse {
	e.t.Helper()
	var params raw.UpdateInvitationParams
	if ifMatch != "" {
		params.IfMatch = &ifMatch
	}
	res, err := e.client.UpdateInvitationWithBodyWithResponse(context.Background(), id, &params, "application/json",
		strings.NewReader(patch), as(token))
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

func (e *env) delete(token, id, ifMatch string) *raw.DeleteInvitationResponse {
	e.t.Helper()
	var params raw.DeleteInvitationParams
	if ifMatch != "" {
		params.IfMatch = &ifMatch
	}
	res, err := e.client.DeleteInvitationWithResponse(context.Background(), id, &params, as(token))
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

// mustCreate creates an invitation as an application of tenant and returns it.
func (e *env) mustCreate(tenant, inviter, invitee string) raw.InvitationV2 {
	e.t.Helper()
	res := e.create(application(e.t, tenant, invitations.PermReadWriteAll), raw.InvitationV2Create{Inviter: &inviter, Invitee: invitee})
	if res.StatusCode() != http.StatusCreated {
		e.t.Fatalf("create %s -> %s: status %d; body %s", inviter, invitee, res.StatusCode(), res.Body)
	}
	return *res.JSON201
}
