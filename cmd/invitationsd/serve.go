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
	"strconv"
	"strings"
	"time"

	"github.com/graph-linkedin/invitations/jwtauth"
	"github.com/graph-linkedin/invitations/server"
	"github.com/graph-linkedin/invitations/sqlite"
)

// config is the server's configuration: flags, with defaults from the
// environment.
type config struct {
	addr              string
	db                string
	devKeyFile        string
	shutdownTimeout   time.Duration
	validateResponses bool
	// Production keys: a JWKS URL or a PEM public key file, with the
	// issuer and audience tokens must carry.
	jwksURL       string
	publicKeyFile string
	issuer        string
	audience      string
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
		"development HS256 signing key, created if missing; used only without production keys (INVITATIONS_DEV_KEY_FILE)")
	fs.StringVar(&cfg.jwksURL, "jwks-url", getenv("INVITATIONS_JWKS_URL"),
		"production keys: the identity provider's JWKS endpoint (INVITATIONS_JWKS_URL)")
	fs.StringVar(&cfg.publicKeyFile, "jwt-public-key-file", getenv("INVITATIONS_JWT_PUBLIC_KEY_FILE"),
		"production keys: a PEM public key (RSA, EC P-256 or Ed25519), for deployments without JWKS (INVITATIONS_JWT_PUBLIC_KEY_FILE)")
	fs.StringVar(&cfg.issuer, "jwt-issuer", getenv("INVITATIONS_JWT_ISSUER"),
		"the iss tokens must carry; required with production keys (INVITATIONS_JWT_ISSUER)")
	fs.StringVar(&cfg.audience, "jwt-audience", getenv("INVITATIONS_JWT_AUDIENCE"),
		"the aud tokens must carry; required with production keys (INVITATIONS_JWT_AUDIENCE)")
	timeout, err := envDuration(getenv, "INVITATIONS_SHUTDOWN_TIMEOUT", 15*time.Second)
	if err != nil {
		return cfg, err
	}
	fs.DurationVar(&cfg.shutdownTimeout, "shutdown-timeout", timeout,
		"how long in-flight requests may take to finish on SIGTERM (INVITATIONS_SHUTDOWN_TIMEOUT)")
	validate, err := envBool(getenv, "INVITATIONS_VALIDATE_RESPONSES", false)
	if err != nil {
		return cfg, err
	}
	fs.BoolVar(&cfg.validateResponses, "validate-responses", validate,
		"check every response against openapi.yaml; log and count violations (INVITATIONS_VALIDATE_RESPONSES)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return cfg, cfg.checkKeys()
}

// checkKeys refuses a key configuration that would not check what it
// should: production keys without an issuer and an audience, two key
// sources, or an issuer or audience with only the development key.
func (cfg config) checkKeys() error {
	const (
		jwksURL  = "-jwks-url (INVITATIONS_JWKS_URL)"
		keyFile  = "-jwt-public-key-file (INVITATIONS_JWT_PUBLIC_KEY_FILE)"
		issuer   = "-jwt-issuer (INVITATIONS_JWT_ISSUER)"
		audience = "-jwt-audience (INVITATIONS_JWT_AUDIENCE)"
	)
	var source string
	switch {
	case cfg.jwksURL != "" && cfg.publicKeyFile != "":
		return fmt.Errorf("both %s and %s are set; give one source of production keys", jwksURL, keyFile)
	case cfg.jwksURL != "":
		source = jwksURL
	case cfg.publicKeyFile != "":
		source = keyFile
	case cfg.issuer != "" || cfg.audience != "":
		return fmt.Errorf("%s and %s apply to production keys, and none are configured: set %s or %s too", issuer, audience, jwksURL, keyFile)
	default:
		return nil // the development key
	}
	var missing []string
	if cfg.issuer == "" {
		missing = append(missing, issuer)
	}
	if cfg.audience == "" {
		missing = append(missing, audience)
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s is set, so %s must be set too: with production keys every token's iss and aud are checked",
			source, strings.Join(missing, " and "))
	}
	return nil
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

	verifier, err := newVerifier(ctx, cfg, logger)
	if err != nil {
		return err
	}
	handler, err := server.New(store, logger, server.Options{Verifier: verifier, Ready: verifier.Ready,
		ValidateResponses: cfg.validateResponses})
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
	logger.Info("listening", "addr", ln.Addr().String(), "db", cfg.db, "validate_responses", cfg.validateResponses)

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

func envBool(getenv func(string) string, key string, fallback bool) (bool, error) {
	v := getenv(key)
	if v == "" {
		return fallback, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s: %w", key, err)
	}
	return b, nil
}
