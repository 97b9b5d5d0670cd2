// Package server is the HTTP service: handlers implementing gen's strict
// interface, the middleware that validates every request against
// openapi.yaml and authenticates it, and the one error handler that writes
// Graph's error body. New returns an http.Handler; Echo stays inside.
package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/gen"
)

// BasePath is where the API lives, as openapi.yaml's server URL says.
const BasePath = "/v1.0"

// Verifier checks an access token and says who presents it.
type Verifier interface {
	Verify(ctx context.Context, token string) (invitations.Caller, error)
}

// Options configure a server. Verifier is required.
type Options struct {
	Verifier Verifier
	// MaxBodyBytes caps request bodies; larger ones get a 413. Default 64 KiB.
	MaxBodyBytes int64
	// RequestTimeout bounds the work of a request that can block, from the
	// request's start: its store calls, waiting for a slot included (see
	// Overload), and the readiness probe's checks. Default 10 s.
	RequestTimeout time.Duration
	// MaxHeaderBytes caps the request's header fields; more is a 431.
	// Default 32 KiB. (The http.Server's own limit must be larger, or it
	// answers first, without a Graph error body.)
	MaxHeaderBytes int
	// Throttle is the per-caller rate limit; the zero value turns it off.
	Throttle Throttle
	// AuthFailures is the per-client-address budget of failed
	// authentications; the zero value turns it off.
	AuthFailures FailureBudget
	// PublicURL is the service's root URL as its clients reach it, such as
	// https://invitations.example.com (see CheckPublicURL): the absolute
	// links in answers (@odata.context, @odata.nextLink) start with it.
	// Without it they start with the scheme and host a trusted proxy
	// forwarded or else with the address the connection reached, never with
	// what the request's Host alone says.
	PublicURL *url.URL
	// TrustedProxies are the peers whose X-Forwarded-For, -Proto and -Host
	// header fields are believed: for the links (without a PublicURL) and
	// for the client address AuthFailures counts by.
	TrustedProxies []netip.Prefix
	// Overload bounds the work waiting on the database.
	Overload Overload
	// AccessLog, when set, receives the access log: one JSON line per
	// request, with the fields (and the format) slog's JSON handler gives a
	// record "request" at level INFO, or ERROR for a 5xx, each line in one
	// Write. It is formatted directly, at a fraction of slog's cost. Without
	// it, the lines go to the logger.
	AccessLog io.Writer
	// Metrics is where the service registers its Prometheus collectors;
	// nil keeps them unregistered.
	Metrics prometheus.Registerer
	// Now is the clock for error bodies' dates, rate limits and
	// subscriptions' expirations; time.Now when nil.
	Now func() time.Time
	// ValidateResponses checks every response against openapi.yaml; a
	// response that breaks it is logged at error level, with its request id,
	// and counted in invitations_response_violations_total, and still sent
	// as it is. It keeps a copy of every response body: for tests and
	// staging, at some cost per request.
	ValidateResponses bool
	// Handshaker checks subscribers' URLs (the validation handshake);
	// without one, subscriptions cannot be created or renewed (503).
	Handshaker Handshaker
	// TracerProvider, when set, traces every request: a server span named
	// by its operation (continuing the caller's trace from its W3C
	// traceparent), and a child span per store call. Without one nothing
	// is traced, at no cost per request.
	TracerProvider trace.TracerProvider
	// Ready, when set, is asked by the readiness probe besides the store,
	// for instance whether the token verifier has fetched its keys. An error
	// makes /readyz answer 503.
	Ready func(ctx context.Context) error
}

type server struct {
	store  invitations.Store // guarded (see guard.go)
	log    *slog.Logger
	opts   Options
	routes map[routeKey]*route // see specRouter.routes
	// unrouted are the metrics of requests no operation matched.
	unrouted *opMetrics
	ids      *requestIDs
	// clock is whether Options.Now was given; without it a request's
	// time is the one its start was read at (see requestInfo.now).
	clock  bool
	access *accessLog           // nil: the access log goes to log
	limits *limiters[callerKey] // by caller; nil when throttling is off
	// rate builds the RateLimit and RateLimit-Policy header fields' values;
	// nil when throttling is off.
	rate *rateLimitFields
	// failures are the client addresses' budgets of failed
	// authentications; nil when the budget is off.
	failures *limiters[netip.Prefix]
	origin   *origin
	metrics  *metrics
	// validation holds the request validator's options (see validate).
	validation *openapi3filter.Options
	// errorSchema is Graph's error body, for checkResponses.
	errorSchema *openapi3.Schema
	tracing     *tracing // nil when not tracing
	// noStore and noSniff are the Cache-Control and X-Content-Type-Options
	// every answer starts with (see identify).
	noStore, noSniff []string
}

// New builds the service's HTTP handler over store.
func New(store invitations.Store, logger *slog.Logger, opts Options) (http.Handler, error) {
	if opts.Verifier == nil {
		return nil, fmt.Errorf("server: no token verifier")
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 64 << 10
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 10 * time.Second
	}
	if opts.MaxHeaderBytes <= 0 {
		opts.MaxHeaderBytes = 32 << 10
	}
	clock := opts.Now != nil
	if !clock {
		opts.Now = time.Now
	}
	if opts.Metrics == nil {
		opts.Metrics = prometheus.NewRegistry()
	}
	m, err := newMetrics(opts.Metrics)
	if err != nil {
		return nil, fmt.Errorf("server: metrics: %w", err)
	}
	spec, err := gen.Spec()
	if err != nil {
		return nil, fmt.Errorf("server: load embedded spec: %w", err)
	}
	doc := newContract()
	if base := serverBase(spec.Servers); base != BasePath {
		return nil, fmt.Errorf("server: openapi.yaml's server URL is %q, not %q", base, BasePath)
	}
	s := &server{log: logger, opts: opts, clock: clock, metrics: m, validation: validationOptions(),
		errorSchema: spec.Components.Schemas["ODataError"].Value, noStore: []string{"no-store"}, noSniff: []string{"nosniff"},
		ids: newRequestIDs(), unrouted: m.forOperation("unknown", nil)}
	if opts.AccessLog != nil {
		s.access = newAccessLog(opts.AccessLog)
	}
	guarded := newGuardedStore(store, opts.Overload, opts.RequestTimeout, m)
	s.store = guarded
	if opts.Throttle.Rate > 0 {
		if s.limits, err = newLimiters[callerKey](opts.Throttle.Rate, opts.Throttle.Burst, opts.Throttle.Callers); err != nil {
			return nil, fmt.Errorf("server: throttle: %w", err)
		}
		s.rate = newRateLimitFields(s.limits.rate, s.limits.burst)
	}
	if b := opts.AuthFailures; b.Rate > 0 {
		if s.failures, err = newLimiters[netip.Prefix](b.Rate, b.Burst, b.Clients); err != nil {
			return nil, fmt.Errorf("server: failed authentications' budget: %w", err)
		}
	}
	if s.origin, err = newOrigin(opts.PublicURL, opts.TrustedProxies); err != nil {
		return nil, fmt.Errorf("server: public URL %q: %w", opts.PublicURL, err)
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Use(s.enter)

	router := newSpecRouter(e, spec, m, s.validation)
	h := &handler{store: s.store, ready: opts.Ready, timeout: opts.RequestTimeout, contract: doc, origin: s.origin,
		respond: newResponder(), now: opts.Now, handshaker: opts.Handshaker}
	gen.RegisterHandlers(router, gen.NewStrictHandler(h, nil))
	router.refuseShadowed()
	s.routes = router.routes
	if opts.TracerProvider != nil {
		s.tracing = newTracing(opts.TracerProvider)
		guarded.tracing = s.tracing
	}
	e.GET("/docs", s.docs)
	e.GET("/docs/*", s.docs)
	return e, nil
}
