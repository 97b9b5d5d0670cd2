package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/graph-linkedin/invitations/notify"
	"github.com/graph-linkedin/invitations/server"
)

// config is the server's configuration: flags, with defaults from the
// environment.
type config struct {
	addr        string
	metricsAddr string
	db          string
	dbMaxConns  int
	dbConnect   time.Duration
	dbStatement time.Duration
	// The bounds of the work waiting on the database.
	dbInFlight int
	dbQueue    int
	// The per-caller rate limit.
	rateLimit float64
	rateBurst int
	// The per-client-address budget of failed authentications.
	authFailureRate  float64
	authFailureBurst int
	// How callers reach the service: its public URL (nil for none), and the
	// proxies whose X-Forwarded-* header fields are believed.
	publicURL      *url.URL
	trustedProxies []netip.Prefix

	requestTimeout  time.Duration
	shutdownTimeout time.Duration
	// validateResponses checks every response against openapi.yaml.
	validateResponses bool
	// The http.Server's timeouts, which cut off slow and idle clients.
	readHeaderTimeout time.Duration
	readTimeout       time.Duration
	writeTimeout      time.Duration
	idleTimeout       time.Duration

	// Keys: production ones (a JWKS URL or a PEM public key file, with the
	// issuer and audience tokens must carry), or else the development key.
	devKeyFile    string
	jwksURL       string
	publicKeyFile string
	issuer        string
	audience      string

	// Change notifications: where they may go, how long a subscriber may
	// take, how long and how often failures are retried, how many
	// subscriptions are delivered at once.
	notifyAllowPrivate bool
	notifyTimeout      time.Duration
	notifyRetryWindow  time.Duration
	notifyMaxBackoff   time.Duration
	notifyPoll         time.Duration
	notifyConcurrency  int

	// The garbage collector's policy (gc.go): its percentage while the
	// heap fits the budget (0: the runtime's own), and the budget in MiB.
	gcPercent int
	gcHeapMiB int

	// version asks for the version instead of serving.
	version bool
}

// The development key, where the server reads it and `invitationsd token`
// signs with it: one setting for both, or tokens would not verify.
const (
	devKeyEnv         = "INVITATIONS_DEV_KEY_FILE"
	defaultDevKeyFile = "data/dev-jwt.key"
)

// defaultGCPercent is -gc-percent's default: the heap may grow to five
// times what is live (within -gc-heap-mib) before a collection.
const defaultGCPercent = 400

func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var cfg config
	var publicURL, trustedProxies string // parsed after the flags
	// A variable's bad value is reported after the flags are parsed, so
	// that -version answers whatever the environment holds.
	var envErrs []error
	fs := flag.NewFlagSet("invitationsd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	strs := []struct {
		p                         *string
		flag, env, fallback, help string
	}{
		{&cfg.addr, "addr", "INVITATIONS_ADDR", "127.0.0.1:8080", "listen address"},
		{&cfg.metricsAddr, "metrics-addr", "INVITATIONS_METRICS_ADDR", "",
			"listen address of a listener of its own for Prometheus /metrics and the /debug/pprof/ profiles; empty: /metrics on the API's listener, and no profiles"},
		{&cfg.db, "db", "INVITATIONS_DB", "data/invitations.db",
			"a postgres:// (or postgresql://) URL selects PostgreSQL, memory: an in-memory store (not durable: tests and demos); anything else is a SQLite database file"},
		{&cfg.devKeyFile, "dev-key-file", devKeyEnv, defaultDevKeyFile,
			"development HS256 signing key, created if missing; used only without production keys"},
		{&cfg.jwksURL, "jwks-url", "INVITATIONS_JWKS_URL", "", "production keys: the identity provider's JWKS endpoint"},
		{&cfg.publicKeyFile, "jwt-public-key-file", "INVITATIONS_JWT_PUBLIC_KEY_FILE", "",
			"production keys: a PEM public key (RSA, EC P-256 or Ed25519), for deployments without JWKS"},
		{&cfg.issuer, "jwt-issuer", "INVITATIONS_JWT_ISSUER", "", "the iss tokens must carry; required with production keys"},
		{&cfg.audience, "jwt-audience", "INVITATIONS_JWT_AUDIENCE", "", "the aud tokens must carry; required with production keys"},
		{&publicURL, "public-url", "INVITATIONS_PUBLIC_URL", "",
			"the service's root URL as clients reach it (https://invitations.example.com); absolute links in answers start with it"},
		{&trustedProxies, "trusted-proxies", "INVITATIONS_TRUSTED_PROXIES", "",
			"comma-separated IP addresses and CIDR prefixes of the proxies whose X-Forwarded-For, -Proto and -Host are believed"},
	}
	for _, s := range strs {
		fs.StringVar(s.p, s.flag, envOr(getenv, s.env, s.fallback), s.help+" ("+s.env+")")
	}
	// An operator's GOGC is the runtime's setting: kept unless the
	// percentage is given to invitationsd itself.
	gcDefault := defaultGCPercent
	if getenv("GOGC") != "" {
		gcDefault = 0
	}
	ints := []struct {
		p              *int
		flag, env      string
		fallback       int
		help           string
		lowest, higher int
	}{
		{&cfg.dbMaxConns, "db-max-conns", "INVITATIONS_DB_MAX_CONNS", 0,
			"PostgreSQL: connections in this instance's pool; 0 for max(4, CPUs)", 0, math.MaxInt32},
		{&cfg.dbInFlight, "db-max-inflight", "INVITATIONS_DB_MAX_INFLIGHT", 64,
			"store operations that may run at once", 1, 1 << 20},
		{&cfg.dbQueue, "db-max-queue", "INVITATIONS_DB_MAX_QUEUE", 256,
			"store operations that may wait for one of those; beyond, requests get a 503 at once", 0, 1 << 20},
		{&cfg.rateBurst, "rate-burst", "INVITATIONS_RATE_BURST", 200,
			"requests a caller may send at once (the token bucket's size)", 1, 1 << 30},
		{&cfg.authFailureBurst, "auth-failure-burst", "INVITATIONS_AUTH_FAILURE_BURST", 100,
			"failed authentications a client address may cause at once", 1, 1 << 30},
		{&cfg.gcPercent, "gc-percent", "INVITATIONS_GC_PERCENT", gcDefault,
			"the garbage collector's percentage (as GOGC: the heap grows by this share of what is live before it is collected) while the heap stays within -gc-heap-mib; past it the percentage falls towards 100, Go's default; 0 leaves it to the Go runtime (GOGC), the default when GOGC is set", 0, 100000},
		{&cfg.gcHeapMiB, "gc-heap-mib", "INVITATIONS_GC_HEAP_MIB", 64,
			"the heap, in MiB, that -gc-percent may grow to: a live heap too large for it gets a lower percentage, down to 100 (Go's default) and never lower; GOMEMLIMIT, when set, still applies", 1, 1 << 20},
		{&cfg.notifyConcurrency, "notify-concurrency", "INVITATIONS_NOTIFY_CONCURRENCY", notify.DefaultConcurrency,
			"change notifications: subscriptions this instance delivers to at once, each on its own", 1, 1 << 16},
	}
	for _, n := range ints {
		v, err := envInt(getenv, n.env, n.fallback)
		if err != nil {
			envErrs = append(envErrs, err)
		}
		fs.IntVar(n.p, n.flag, v, n.help+" ("+n.env+")")
	}
	rates := []struct {
		p         *float64
		flag, env string
		fallback  float64
		help      string
	}{
		{&cfg.rateLimit, "rate-limit", "INVITATIONS_RATE_LIMIT", 100,
			"requests per second each caller (tenant and subject) may send to this instance; 0 turns throttling off"},
		{&cfg.authFailureRate, "auth-failure-rate", "INVITATIONS_AUTH_FAILURE_RATE", 1,
			"failed authentications per second a client address may cause (beyond -auth-failure-burst); 0 turns the budget off"},
	}
	for _, r := range rates {
		v, err := envFloat(getenv, r.env, r.fallback)
		if err != nil {
			envErrs = append(envErrs, err)
		}
		fs.Float64Var(r.p, r.flag, v, r.help+" ("+r.env+")")
	}
	validate, err := envBool(getenv, "INVITATIONS_VALIDATE_RESPONSES", false)
	if err != nil {
		envErrs = append(envErrs, err)
	}
	allowPrivate, err := envBool(getenv, "INVITATIONS_NOTIFY_ALLOW_PRIVATE", false)
	if err != nil {
		envErrs = append(envErrs, err)
	}
	fs.BoolVar(&cfg.notifyAllowPrivate, "notify-allow-private", allowPrivate,
		"change notifications may go to loopback, private and link-local addresses, and over plain http: for tests and closed networks only (INVITATIONS_NOTIFY_ALLOW_PRIVATE)")
	fs.BoolVar(&cfg.version, "version", false, "print the version and revision this binary was built from, and exit")
	fs.BoolVar(&cfg.validateResponses, "validate-responses", validate,
		"check every response against openapi.yaml; log and count violations (INVITATIONS_VALIDATE_RESPONSES)")
	durations := []struct {
		p                *time.Duration
		flag, env, usage string
		fallback         time.Duration
		// positive: 0 is refused. The server's own timeouts bound clients;
		// without one, a slow client holds a connection for ever.
		positive bool
	}{
		{&cfg.dbConnect, "db-connect-timeout", "INVITATIONS_DB_CONNECT_TIMEOUT",
			"PostgreSQL: how long establishing a connection may take", 5 * time.Second, false},
		{&cfg.dbStatement, "db-statement-timeout", "INVITATIONS_DB_STATEMENT_TIMEOUT",
			"PostgreSQL: the server-side statement_timeout; 0 for the server's own", 10 * time.Second, false},
		{&cfg.requestTimeout, "request-timeout", "INVITATIONS_REQUEST_TIMEOUT",
			"how long one request's work may take", 10 * time.Second, false},
		{&cfg.shutdownTimeout, "shutdown-timeout", "INVITATIONS_SHUTDOWN_TIMEOUT",
			"how long in-flight requests may take to finish on SIGTERM; past it their connections are closed and the exit status is 1", 15 * time.Second, false},
		{&cfg.readHeaderTimeout, "read-header-timeout", "INVITATIONS_READ_HEADER_TIMEOUT",
			"how long a client may take to send a request's header fields", 5 * time.Second, true},
		{&cfg.readTimeout, "read-timeout", "INVITATIONS_READ_TIMEOUT",
			"how long a client may take to send a whole request, body included", 30 * time.Second, true},
		{&cfg.writeTimeout, "write-timeout", "INVITATIONS_WRITE_TIMEOUT",
			"how long a request may take from its header fields read to its response written; more than -request-timeout", 30 * time.Second, true},
		{&cfg.idleTimeout, "idle-timeout", "INVITATIONS_IDLE_TIMEOUT",
			"how long a kept-alive connection may wait for its next request", 2 * time.Minute, true},
		{&cfg.notifyTimeout, "notify-timeout", "INVITATIONS_NOTIFY_TIMEOUT",
			"change notifications: how long a subscriber may take to answer the validation handshake or a POST", notify.DefaultTimeout, true},
		{&cfg.notifyRetryWindow, "notify-retry-window", "INVITATIONS_NOTIFY_RETRY_WINDOW",
			"change notifications: how long a failing notification is retried before it is dropped and its subscription removed", notify.DefaultRetryWindow, true},
		{&cfg.notifyMaxBackoff, "notify-max-backoff", "INVITATIONS_NOTIFY_MAX_BACKOFF",
			"change notifications: the longest wait between two attempts (the wait doubles from 1 s up to it)", notify.DefaultMaxBackoff, true},
		{&cfg.notifyPoll, "notify-poll-interval", "INVITATIONS_NOTIFY_POLL_INTERVAL",
			"change notifications: how often the outbox is looked at for what other instances queued and retries that fell due", notify.DefaultPollInterval, true},
	}
	for _, d := range durations {
		v, err := envDuration(getenv, d.env, d.fallback)
		if err != nil {
			envErrs = append(envErrs, err)
		}
		fs.DurationVar(d.p, d.flag, v, d.usage+" ("+d.env+")")
	}
	parseErr := fs.Parse(args)
	if parseErr == nil && fs.NArg() > 0 {
		parseErr = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if parseErr == nil && cfg.version {
		return cfg, nil // the version needs no valid configuration
	}
	if err := errors.Join(envErrs...); err != nil {
		return cfg, err
	}
	if parseErr != nil {
		return cfg, parseErr
	}
	for _, n := range ints {
		if *n.p < n.lowest || *n.p > n.higher {
			return cfg, fmt.Errorf("-%s: %d is out of range [%d, %d]", n.flag, *n.p, n.lowest, n.higher)
		}
	}
	for _, d := range durations {
		if *d.p < 0 {
			return cfg, fmt.Errorf("-%s: %v is negative", d.flag, *d.p)
		}
		if d.positive && *d.p == 0 {
			return cfg, fmt.Errorf("-%s: must be more than 0", d.flag)
		}
	}
	// The write deadline runs from the request's header fields to the end of
	// its response: a request that took its whole request timeout must
	// still have time to answer.
	if cfg.writeTimeout <= cfg.requestTimeout {
		return cfg, fmt.Errorf("-write-timeout (%v) must be more than -request-timeout (%v), or slow answers are cut off unsent",
			cfg.writeTimeout, cfg.requestTimeout)
	}
	for _, r := range rates {
		if *r.p < 0 || math.IsNaN(*r.p) || math.IsInf(*r.p, 0) {
			return cfg, fmt.Errorf("-%s: %v is not a rate", r.flag, *r.p)
		}
	}
	if publicURL != "" {
		u, err := url.Parse(publicURL)
		if err == nil {
			err = server.CheckPublicURL(u)
		}
		if err != nil {
			return cfg, fmt.Errorf("-public-url (INVITATIONS_PUBLIC_URL) %q: %w", publicURL, err)
		}
		cfg.publicURL = u
	}
	if cfg.trustedProxies, err = parseProxies(trustedProxies); err != nil {
		return cfg, fmt.Errorf("-trusted-proxies (INVITATIONS_TRUSTED_PROXIES): %w", err)
	}
	return cfg, cfg.checkKeys()
}

// parseProxies parses a comma-separated list of IP addresses and CIDR
// prefixes (10.0.0.0/8, 2001:db8::/32); "" is none.
func parseProxies(list string) ([]netip.Prefix, error) {
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	var proxies []netip.Prefix
	for entry := range strings.SplitSeq(list, ",") {
		entry = strings.TrimSpace(entry)
		if p, err := netip.ParsePrefix(entry); err == nil {
			proxies = append(proxies, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(entry)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("%q is neither an IP address nor a CIDR prefix", entry)
		}
		proxies = append(proxies, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return proxies, nil
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

func envFloat(getenv func(string) string, key string, fallback float64) (float64, error) {
	v := getenv(key)
	if v == "" {
		return fallback, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", key, err)
	}
	return f, nil
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
