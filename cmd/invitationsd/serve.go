package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/trace"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/jwtauth"
	"github.com/graph-linkedin/invitations/memory"
	"github.com/graph-linkedin/invitations/notify"
	"github.com/graph-linkedin/invitations/postgres"
	"github.com/graph-linkedin/invitations/server"
	"github.com/graph-linkedin/invitations/sqlite"
)

// store is what the server needs of an engine: the contract, and Close.
type store interface {
	invitations.Store
	Close() error
}

// isPostgres reports whether the -db value selects PostgreSQL.
func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// openStore opens the engine cfg.db selects, applying its migrations. A
// PostgreSQL database must be reachable now (a server that cannot migrate
// should not say it is listening); once running, an outage makes requests
// answer 503 and /readyz fail until the database is back.
//
// onQueued is told how many notifications each write queued (see
// notify.Dispatcher.Queued).
func openStore(ctx context.Context, cfg config, reg prometheus.Registerer, logger *slog.Logger, onQueued func(n int)) (store, error) {
	// Expired idempotency keys are purged in the background (the in-memory
	// store purges as it goes); report what that does.
	purged := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "invitations_idempotency_keys_purged_total",
		Help: "Idempotency keys deleted after expiring (24 hours).",
	})
	if err := reg.Register(purged); err != nil {
		return nil, err
	}
	onPurge := func(n int, err error) {
		purged.Add(float64(n))
		if err != nil {
			logger.Warn("purging expired idempotency keys", "deleted", n, "error", err.Error())
		}
	}
	switch {
	case isPostgres(cfg.db):
		s, err := postgres.Open(ctx, cfg.db, postgres.Options{
			MaxConns:         int32(cfg.dbMaxConns),
			ConnectTimeout:   cfg.dbConnect,
			StatementTimeout: cfg.dbStatement,
			OnPurge:          onPurge,
			OnQueued:         onQueued,
		})
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", redact(cfg.db), err)
		}
		return s, nil
	case cfg.db == "memory:":
		return memoryStore{memory.Open(memory.Options{OnQueued: onQueued})}, nil
	}
	batches := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "invitations_db_write_batch_size",
		Help:    "Writes committed together in one SQLite transaction (group commit).",
		Buckets: prometheus.ExponentialBuckets(1, 2, 9),
	})
	if err := reg.Register(batches); err != nil {
		return nil, err
	}
	return sqlite.Open(ctx, cfg.db, sqlite.Options{OnBatch: func(n int) { batches.Observe(float64(n)) }, OnPurge: onPurge,
		OnQueued: onQueued})
}

// memoryStore gives the in-memory store the Close the others have.
type memoryStore struct{ *memory.Store }

func (memoryStore) Close() error { return nil }

// redact returns a database URL fit for a log: without its password.
func redact(db string) string {
	if !isPostgres(db) {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// redactURL returns a URL fit for a log: without its password.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// serve runs the HTTP server until ctx ends, then shuts it down gracefully:
// new connections are refused, idle ones closed, and in-flight requests get
// up to the shutdown timeout to finish. Requests still running then have
// their connections closed, and serve returns an error (main exits 1), so a
// supervisor can tell a clean stop from one that cut requests off.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if cfg.version {
		_, err := fmt.Fprintln(stdout, buildVersion())
		return err
	}
	// The collector's policy, from now until serve returns.
	gcCtx, stopGC := context.WithCancel(context.WithoutCancel(ctx))
	gcDone := make(chan struct{})
	go func() {
		defer close(gcDone)
		tuneGC(gcCtx, cfg.gcPercent, uint64(cfg.gcHeapMiB)<<20)
	}()
	defer func() {
		stopGC()
		<-gcDone
	}()
	tracingCfg, err := parseTracing(getenv)
	if err != nil {
		return err
	}
	out := newBufferedLog(stdout)
	defer out.Close()
	logger := slog.New(slog.NewJSONHandler(out, nil))
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	// Traces, when the OTEL_* variables ask for them; otherwise no
	// provider at all, which the server and the notifier take as "off".
	var tracerProvider trace.TracerProvider
	if tracingCfg != nil {
		tp, err := newTracerProvider(ctx, tracingCfg)
		if err != nil {
			return err
		}
		// Flushed last, once the requests and the deliveries are done
		// (deferred before their ends, so run after them).
		defer func() {
			fctx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
			defer cancel()
			if err := tp.Shutdown(fctx); err != nil {
				logger.Warn("flushing traces", "error", err.Error())
			}
		}()
		tracerProvider = tp
		logger.Info("exporting traces", "endpoint", redactURL(tracingCfg.endpoint), "sampler", tracingCfg.samplerName)
	}

	// The store tells the dispatcher of what its writes queue; the
	// dispatcher needs the store: it is set once both exist.
	var dispatcher atomic.Pointer[notify.Dispatcher]
	store, err := openStore(ctx, cfg, reg, logger, func(n int) {
		if d := dispatcher.Load(); d != nil {
			d.Queued(n)
		}
	})
	if err != nil {
		return err
	}
	defer store.Close()
	notifier := notify.NewClient(notify.ClientOptions{AllowPrivate: cfg.notifyAllowPrivate, Timeout: cfg.notifyTimeout,
		UserAgent: "invitationsd-notifications", TracerProvider: tracerProvider})
	d, err := notify.New(store, notify.Options{Client: notifier, Logger: logger, Metrics: reg, RetryWindow: cfg.notifyRetryWindow,
		Concurrency: cfg.notifyConcurrency, PollInterval: cfg.notifyPoll, MaxBackoff: cfg.notifyMaxBackoff})
	if err != nil {
		return err
	}
	dispatcher.Store(d)
	// Stopped before the store closes (deferred after it, so run before
	// it): deliveries in flight give their subscriptions back.
	dispatched := make(chan struct{})
	dctx, stopDispatching := context.WithCancel(context.WithoutCancel(ctx))
	go func() {
		defer close(dispatched)
		d.Run(dctx)
	}()
	defer func() {
		stopDispatching()
		<-dispatched
	}()
	if cfg.notifyAllowPrivate {
		logger.Warn("change notifications may go to private addresses and over plain http (-notify-allow-private); do not take subscriptions from the internet")
	}

	verifier, err := newVerifier(ctx, cfg, logger)
	if err != nil {
		return err
	}
	handler, err := server.New(store, logger, server.Options{
		// The access log's lines, formatted by the server itself, go to
		// the same output as the logger's, in the same format.
		AccessLog:      out,
		Verifier:       verifier,
		Ready:          verifier.Ready,
		RequestTimeout: cfg.requestTimeout,
		Throttle:       server.Throttle{Rate: cfg.rateLimit, Burst: cfg.rateBurst},
		AuthFailures:   server.FailureBudget{Rate: cfg.authFailureRate, Burst: cfg.authFailureBurst},
		PublicURL:      cfg.publicURL,
		TrustedProxies: cfg.trustedProxies,
		Overload:       server.Overload{InFlight: cfg.dbInFlight, Queue: cfg.dbQueue},
		Metrics:        reg,
		// Every response checked against openapi.yaml, when asked.
		ValidateResponses: cfg.validateResponses,
		Handshaker:        notifier,
		TracerProvider:    tracerProvider,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	// The timeouts cut off slow clients: one dribbling its header fields or
	// its body, or holding a kept-alive connection idle, gives up its
	// connection (and the goroutine serving it) when its timeout ends.
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: cfg.readHeaderTimeout,
		ReadTimeout:       cfg.readTimeout,
		WriteTimeout:      cfg.writeTimeout,
		IdleTimeout:       cfg.idleTimeout,
		// Above the handler's own 32 KiB limit, so the handler answers 431
		// with a Graph error body; past this, net/http answers itself.
		MaxHeaderBytes: 1 << 20,
		ErrorLog:       slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	servers := []*http.Server{srv}
	served := make(chan error, 2)
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
	if cfg.metricsAddr == "" {
		// One listener: Prometheus scrapes the API's own address, and a
		// second instance on the machine needs nothing but its own -addr.
		srv.Handler = withMetrics(handler, metrics)
		logger.Info("serving metrics", "addr", ln.Addr().String(), "path", "/metrics")
	} else {
		mln, err := net.Listen("tcp", cfg.metricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("metrics listener: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", metrics)
		// Profiles, for the operator, beside the metrics: never on the
		// API's listener.
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
		msrv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 2 * time.Minute}
		servers = append(servers, msrv)
		logger.Info("serving metrics", "addr", mln.Addr().String(), "path", "/metrics")
		go func() { served <- msrv.Serve(mln) }()
	}
	logger.Info("listening", "addr", ln.Addr().String(), "db", redact(cfg.db), "validate_responses", cfg.validateResponses,
		"version", buildVersion())
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		for _, s := range servers {
			s.Close()
		}
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down", "timeout", cfg.shutdownTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
	defer cancel()
	// All at once: each Shutdown closes its listeners first, then waits for
	// its requests, and no listener should stay open while another server's
	// requests finish.
	errs := make([]error, len(servers))
	var wg sync.WaitGroup
	for i, s := range servers {
		wg.Go(func() {
			if errs[i] = s.Shutdown(shutdownCtx); errs[i] != nil {
				s.Close()
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		logger.Error("requests did not finish within the shutdown timeout; their connections are closed",
			"timeout", cfg.shutdownTimeout.String())
		return fmt.Errorf("shutdown: requests still running after %v were cut off: %w", cfg.shutdownTimeout, err)
	}
	logger.Info("stopped")
	return nil
}

// withMetrics serves GET /metrics (the Prometheus scrape) with metrics and
// every other request with api. A ServeMux would do it, but it also
// redirects paths it would clean (//v1.0/...), which must reach the API and
// get its Graph error instead.
func withMetrics(api, metrics http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			metrics.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}

// newVerifier is the token verifier cfg asks for: production keys from a
// JWKS or a PEM file, or else the development key. The JWKS is refreshed
// until ctx ends.
func newVerifier(ctx context.Context, cfg config, logger *slog.Logger) (*jwtauth.Verifier, error) {
	opts := jwtauth.Options{Issuer: cfg.issuer, Audience: cfg.audience}
	switch {
	case cfg.jwksURL != "":
		v, err := jwtauth.NewJWKS(ctx, cfg.jwksURL, jwtauth.JWKSOptions{Options: opts, Logger: logger})
		if err != nil {
			return nil, err
		}
		logger.Info("accepting tokens signed with keys from a JWKS",
			"jwks_url", cfg.jwksURL, "issuer", cfg.issuer, "audience", cfg.audience)
		return v, nil
	case cfg.publicKeyFile != "":
		v, err := jwtauth.NewPublicKeyFile(cfg.publicKeyFile, opts)
		if err != nil {
			return nil, err
		}
		logger.Info("accepting tokens signed with the key in a PEM file",
			"key_file", cfg.publicKeyFile, "issuer", cfg.issuer, "audience", cfg.audience)
		return v, nil
	}
	key, created, err := jwtauth.LoadOrCreateDevKey(cfg.devKeyFile)
	if err != nil {
		return nil, err
	}
	logger.Warn("accepting HS256 tokens signed with the development key; configure production keys for real use",
		"key_file", cfg.devKeyFile, "created", created, "issuer", jwtauth.DevIssuer, "audience", jwtauth.DevAudience)
	return jwtauth.NewHS256(key, jwtauth.DevIssuer, jwtauth.DevAudience), nil
}
