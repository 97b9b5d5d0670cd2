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
	"time"

	"github.com/graph-linkedin/invitations/jwtauth"
	"github.com/graph-linkedin/invitations/server"
	"github.com/graph-linkedin/invitations/sqlite"
)

// config is the server's configuration: flags, with defaults from the
// environment.
type config struct {
	addr            string
	db              string
	devKeyFile      string
	shutdownTimeout time.Duration
}

func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("invitationsd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.addr, "addr", envOr(getenv, "INVITATIONS_ADDR", "127.0.0.1:8080"),
		"listen address (INVITATIONS_ADDR)")
	fs.StringVar(&cfg.db, "db", envOr(getenv, "INVITATIONS_DB", "data/invitations.db"),
		"SQLite database file (INVITATIONS_DB)")
	fs.StringVar(&cfg.devKeyFile, "dev-key-file", envOr(getenv, "INVITATIONS_DEV_KEY_FILE", "data/dev-jwt.key"),
		"development HS256 signing key, created if missing (INVITATIONS_DEV_KEY_FILE)")
	timeout, err := envDuration(getenv, "INVITATIONS_SHUTDOWN_TIMEOUT", 15*time.Second)
	if err != nil {
		return cfg, err
	}
	fs.DurationVar(&cfg.shutdownTimeout, "shutdown-timeout", timeout,
		"how long in-flight requests may take to finish on SIGTERM (INVITATIONS_SHUTDOWN_TIMEOUT)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return cfg, nil
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

	store, err := sqlite.Open(ctx, cfg.db, sqlite.Options{})
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
		Verifier: jwtauth.NewHS256(key, jwtauth.DevIssuer, jwtauth.DevAudience),
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
	logger.Info("listening", "addr", ln.Addr().String(), "db", cfg.db)

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
