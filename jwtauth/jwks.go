package jwtauth

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"

	"github.com/graph-linkedin/invitations"
)

// maxJWKSBytes caps a JWKS response; a larger one fails to decode and the
// keys already fetched stay in use.
const maxJWKSBytes = 1 << 20

// JWKSOptions configure a Verifier over a JWKS endpoint. Zero values take
// the defaults given.
type JWKSOptions struct {
	Options
	// Logger hears of failed fetches; nothing is logged when nil.
	Logger *slog.Logger
	// Client fetches the key set. When nil, a client whose requests time out
	// after Timeout and whose responses are capped at 1 MiB.
	Client *http.Client
	// Timeout bounds one fetch, including any wait for the unknown-kid rate
	// limit. Default 5 s.
	Timeout time.Duration
	// RefreshInterval is how often the key set is fetched again. Default 1 h.
	RefreshInterval time.Duration
	// RefreshUnknownKID is the least time between two fetches caused by
	// tokens naming a kid the set lacks. Default 5 min.
	RefreshUnknownKID time.Duration
	// RetryUnready is the least time between two fetches caused by the
	// readiness check while no keys have been fetched. Default 5 s.
	RetryUnready time.Duration
}

// NewJWKS returns a Verifier whose keys come from the JWKS at jwksURL. It
// fetches the set once before it returns (bounded by Timeout) and then every
// RefreshInterval until ctx ends; a token naming an unknown kid causes one
// more fetch, at most every RefreshUnknownKID. When a fetch fails, the keys
// already fetched stay in use. NewJWKS succeeds even if the first fetch
// fails: Ready reports the Verifier unready until a fetch succeeds.
//
// Each key accepts only the algorithms of its type (see NewPublicKey); a
// key whose use is not "sig" (when given) or whose alg differs from the
// token's (when given) is not used.
func NewJWKS(ctx context.Context, jwksURL string, opts JWKSOptions) (*Verifier, error) {
	if u, err := url.Parse(jwksURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("jwtauth: JWKS URL %q is not an http or https URL", jwksURL)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	opts.Timeout = orDefault(opts.Timeout, 5*time.Second)
	opts.RefreshInterval = orDefault(opts.RefreshInterval, time.Hour)
	opts.RefreshUnknownKID = orDefault(opts.RefreshUnknownKID, 5*time.Minute)
	opts.RetryUnready = orDefault(opts.RetryUnready, 5*time.Second)
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: opts.Timeout, Transport: capBody{http.DefaultTransport, maxJWKSBytes}}
	}

	store, err := jwkset.NewStorageFromHTTP(jwksURL, jwkset.HTTPClientStorageOptions{
		Client:      opts.Client,
		Ctx:         ctx,
		HTTPTimeout: opts.Timeout,
		// Start without keys rather than fail: Ready tells the orchestrator.
		NoErrorReturnFirstHTTPReq: true,
		RefreshErrorHandler: func(ctx context.Context, err error) {
			opts.Logger.WarnContext(ctx, "fetching the JWKS failed; the keys fetched before stay in use",
				"url", jwksURL, "error", err.Error())
		},
		RefreshInterval: opts.RefreshInterval,
	})
	if err != nil {
		return nil, fmt.Errorf("jwtauth: %w", err)
	}
	// Two clients over the one store, differing in what may make them fetch
	// again: tokens naming an unknown kid, and the readiness check while the
	// store is empty. jwkset waits for its limiter at most RateLimitWaitMax,
	// which also bounds the fetch, so a request never waits longer than
	// Timeout for a refresh.
	tokens, err := jwkset.NewHTTPClient(jwkset.HTTPClientOptions{
		HTTPURLs:          map[string]jwkset.Storage{jwksURL: store},
		RateLimitWaitMax:  opts.Timeout,
		RefreshUnknownKID: rate.NewLimiter(rate.Every(opts.RefreshUnknownKID), 1),
	})
	if err != nil {
		return nil, fmt.Errorf("jwtauth: %w", err)
	}
	unready, err := jwkset.NewHTTPClient(jwkset.HTTPClientOptions{
		HTTPURLs:          map[string]jwkset.Storage{jwksURL: store},
		RateLimitWaitMax:  opts.Timeout,
		RefreshUnknownKID: rate.NewLimiter(rate.Inf, 1), // limited by retry below, without waiting
	})
	if err != nil {
		return nil, fmt.Errorf("jwtauth: %w", err)
	}
	kf, err := keyfunc.New(keyfunc.Options{
		Ctx:     ctx,
		Storage: tokens,
		// A key for encryption never verifies a signature; a key that does
		// not say what it is for may.
		UseWhitelist: []jwkset.USE{jwkset.UseSig, ""},
	})
	if err != nil {
		return nil, fmt.Errorf("jwtauth: %w", err)
	}

	v, err := newVerifier(opts.Options, productionAlgorithms, func(ctx context.Context) jwt.Keyfunc {
		keys := kf.KeyfuncCtx(ctx)
		return func(token *jwt.Token) (any, error) {
			key, err := keys(token)
			if err != nil { // unknown kid, alg or use not the key's, or rate limited
				return nil, fmt.Errorf("%w: %w", errNoKey, err)
			}
			return allow(token, key)
		}
	})
	if err != nil {
		return nil, err
	}
	retry := rate.NewLimiter(rate.Every(opts.RetryUnready), 1)
	v.ready = func(ctx context.Context) error {
		if keys, err := store.KeyReadAll(ctx); err == nil && len(keys) > 0 {
			return nil
		}
		if retry.Allow() {
			// Reading a kid the empty store lacks is how jwkset is asked to
			// fetch the set now.
			_, _ = unready.KeyRead(ctx, "")
			if keys, err := store.KeyReadAll(ctx); err == nil && len(keys) > 0 {
				return nil
			}
		}
		return fmt.Errorf("%w: no token signing keys have been fetched from %s yet", invitations.ErrUnavailable, jwksURL)
	}
	return v, nil
}

func orDefault(d, fallback time.Duration) time.Duration {
	if d <= 0 {
		return fallback
	}
	return d
}

// capBody is a RoundTripper whose response bodies end after max bytes.
type capBody struct {
	base http.RoundTripper
	max  int64
}

func (t capBody) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	res.Body = struct {
		io.Reader
		io.Closer
	}{io.LimitReader(res.Body, t.max), res.Body}
	return res, nil
}
