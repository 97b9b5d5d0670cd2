package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/jwtauth"
	"github.com/graph-linkedin/invitations/postgres"
	"github.com/graph-linkedin/invitations/server"
	"github.com/graph-linkedin/invitations/sqlite"
)

// config is the server's configuration: flags, with defaults from the
// environment.
type config struct {
	addr            string
	db              string
	dbMaxConns      int
	dbConnect       time.Duration
	dbStatement     time.Duration
	devKeyFile      string
	requestTimeout  time.Duration
	shutdownTimeout time.Duration
}

func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("invitationsd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.addr, "addr", envOr(getenv, "INVITATIONS_ADDR", "127.0.0.1:8080"),
		"listen address (INVITATIONS_ADDR)")
	fs.StringVar(&cfg.db, "db", envOr(getenv, "INVITATIONS_DB", "data/invitations.db"),
		"a postgres:// (or postgresql://) URL selects PostgreSQL; anything else is a SQLite database file (INVITATIONS_DB)")
	fs.StringVar(&cfg.devKeyFile, "dev-key-file", envOr(getenv, "INVITATIONS_DEV_KEY_FILE", "data/dev-jwt.key"),
		"development HS256 signing key, created if missing (INVITATIONS_DEV_KEY_FILE)")
	maxConns, err := envInt(getenv, "INVITATIONS_DB_MAX_CONNS", 0)
	if err != nil {
		return cfg, err
	}
	fs.IntVar(&cfg.dbMaxConns, "db-max-conns", maxConns,
		"PostgreSQL: connections in this instance's pool; 0 for max(4, CPUs) (INVITATIONS_DB_MAX_CONNS)")
	durations := []struct {
		p                *time.Duration
		flag, env, usage string
		fallback         time.Duration
	}{
		{&cfg.dbConnect, "db-connect-timeout", "INVITATIONS_DB_CONNECT_TIMEOUT",
			"PostgreSQL: how long establishing a connection may take", 5 * time.Second},
		{&cfg.dbStatement, "db-statement-timeout", "INVITATIONS_DB_STATEMENT_TIMEOUT",
			"PostgreSQL: the server-side statement_timeout; 0 for the server's own", 10 * time.Second},
		{&cfg.requestTimeout, "request-timeout", "INVITATIONS_REQUEST_TIMEOUT",
			"how long one request's work may take", 10 * time.Second},
		{&cfg.shutdownTimeout, "shutdown-timeout", "INVITATIONS_SHUTDOWN_TIMEOUT",
			"how long in-flight requests may take to finish on SIGTERM", 15 * time.Second},
	}
	for _, d := range durations {
		v, err := envDuration(getenv, d.env, d.fallback)
		if err != nil {
			return cfg, err
		}
		fs.DurationVar(d.p, d.flag, v, d.usage+" ("+d.env+")")
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if cfg.dbMaxConns < 0 || cfg.dbMaxConns > math.MaxInt32 {
		return cfg, fmt.Errorf("-db-max-conns: %d is out of range", cfg.dbMaxConns)
	}
	for _, d := range durations {
		if *d.p < 0 {
			return cfg, fmt.Errorf("-%s: %v is negative", d.flag, *d.p)
		}
	}
	return cfg, nil
}

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
func openStore(ctx context.Context, cfg config) (store, error) {
	if isPostgres(cfg.db) {
		s, err := postgres.Open(ctx, cfg.db, postgres.Options{
			MaxConns:         int32(cfg.dbMaxConns),
			ConnectTimeout:   cfg.dbConnect,
			StatementTimeout: cfg.dbStatement,
		})
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", redact(cfg.db), err)
		}
		return s, nil
	}
	return sqlite.Open(ctx, cfg.db, sqlite.Options{})
}

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

// serve runs the HTTP server until ctx ends, then shuts it down gracefully.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(stdout, nil))

	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()

	key, created, err := jwtauth.LoadOrCreateDevKey(cfg.devKeyFile)
	if err != nil {
		return err
	}
	logger.Warn("accepting HS256 tokens signed with the development key; configure production keys for real use",
		"key_file", cfg.devKeyFile, "created", created, "issuer", jwtauth.DevIssuer, "audience", jwtauth.DevAudience)

	handler, err := server.New(store, logger, server.Options{
		Verifier:       jwtauth.NewHS256(key, jwtauth.DevIssuer, jwtauth.DevAudience),
		RequestTimeout: cfg.requestTimeout,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	logger.Info("listening", "addr", ln.Addr().String(), "db", redact(cfg.db))

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down", "timeout", cfg.shutdownTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		srv.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info("stopped")
	return nil
}

func envOr(getenv func(string) string, key, fallback string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return fallback
}

func envInt(getenv func(string) string, key string, fallback int) (int, error) {
	v := getenv(key)
	if v == "" {
		return fallback, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", key, err)
	}
	return n, nil
}

func envDuration(getenv func(string) string, key string, fallback time.Duration) (time.Duration, error) {
	v := getenv(key)
	if v == "" {
		return fallback, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", key, err)
	}
	return d, nil
}
