// Package jwtauth verifies the service's access tokens (JWTs) and turns their
// claims into an invitations.Caller. Keys come from a JWKS endpoint
// (NewJWKS), a PEM public key (NewPublicKeyFile, NewPublicKey) or, for
// development only, a shared HS256 key (NewHS256). It also mints tokens
// signed with the development key, for the `invitationsd token` command and
// for tests.
package jwtauth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/graph-linkedin/invitations"
)

// Leeway is the clock skew tolerated on exp, nbf and iat.
const Leeway = time.Minute

// DefaultCacheSize is how many verified tokens a Verifier remembers unless
// Options say otherwise.
const DefaultCacheSize = 10_000

// personalAccountsTenant is the tenant id of personal Microsoft accounts,
// which the service does not support.
const personalAccountsTenant = "9188040d-6c67-4c5b-b112-36a304b66dad"

// Claims are the claims the service reads from an access token.
type Claims struct {
	jwt.RegisteredClaims
	TenantID string   `json:"tid,omitempty"`
	Scope    string   `json:"scp,omitempty"`   // delegated permissions, space-separated
	Roles    []string `json:"roles,omitempty"` // application permissions
	// The client application: azp in Microsoft identity platform v2.0
	// tokens, appid in v1.0 ones.
	AuthorizedParty string `json:"azp,omitempty"`
	AppID           string `json:"appid,omitempty"`
}

// Options configure a Verifier over production keys.
type Options struct {
	// Issuer and Audience are the iss and aud a token must carry. Both are
	// required.
	Issuer   string
	Audience string
	// CacheSize bounds how many verified tokens are remembered, so that a
	// token's signature is checked once rather than on every request. Zero
	// means DefaultCacheSize; a negative size turns the cache off.
	CacheSize int
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Verifier checks access tokens: signature, algorithm (decided by the key,
// never by the token's header), expiry, not-before, issued-at, issuer and
// audience.
// It is safe for concurrent use.
type Verifier struct {
	parser  *jwt.Parser
	keyfunc func(ctx context.Context) jwt.Keyfunc
	cache   *tokenCache // nil: every token is verified in full
	now     func() time.Time
	ready   func(ctx context.Context) error // nil: always ready
}

// NewHS256 returns a Verifier for tokens signed with the shared development
// key. It never accepts another algorithm.
func NewHS256(key []byte, issuer, audience string) *Verifier {
	// A size that lru accepts cannot fail.
	cache, _ := newTokenCache(DefaultCacheSize)
	return &Verifier{
		parser:  newParser([]string{jwt.SigningMethodHS256.Alg()}, issuer, audience, time.Now),
		keyfunc: func(context.Context) jwt.Keyfunc { return func(*jwt.Token) (any, error) { return key, nil } },
		now:     time.Now,
		cache:   cache,
	}
}

// newVerifier is the production Verifier: the algorithms are those of
// asymmetric keys, and each key accepts only its own (see allow).
func newVerifier(opts Options, algs []string, keyfunc func(context.Context) jwt.Keyfunc) (*Verifier, error) {
	if opts.Issuer == "" || opts.Audience == "" {
		return nil, errors.New("jwtauth: production keys need both an issuer and an audience")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	v := &Verifier{
		parser:  newParser(algs, opts.Issuer, opts.Audience, opts.Now),
		keyfunc: keyfunc,
		now:     opts.Now,
	}
	if opts.CacheSize == 0 {
		opts.CacheSize = DefaultCacheSize
	}
	if opts.CacheSize > 0 {
		var err error
		if v.cache, err = newTokenCache(opts.CacheSize); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func newParser(algs []string, issuer, audience string, now func() time.Time) *jwt.Parser {
	return jwt.NewParser(
		jwt.WithValidMethods(algs),
		jwt.WithIssuer(issuer),
		jwt.WithAudience(audience),
		jwt.WithLeeway(Leeway),
		jwt.WithExpirationRequired(),
		// A token issued in the future (beyond the leeway) comes from a
		// clock or an issuer not to be trusted.
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(now),
	)
}

// Verify checks token and returns its caller. Every failure is an
// invitations.ErrUnauthenticated error (or ErrForbidden for an account the
// service does not serve) whose message is safe to show the caller.
//
// A token that passed is remembered until its exp, so its signature is
// checked once; failures are never remembered.
func (v *Verifier) Verify(ctx context.Context, token string) (invitations.Caller, error) {
	if v.cache == nil {
		caller, _, err := v.verify(ctx, token)
		return caller, err
	}
	key := cacheKey(token)
	now := v.now()
	if caller, ok := v.cache.get(key, now); ok {
		return caller, nil
	}
	caller, exp, err := v.verify(ctx, token)
	if err != nil {
		return invitations.Caller{}, err
	}
	v.cache.add(key, caller, exp, now)
	return caller, nil
}

// verify checks token in full and returns its caller and expiry.
func (v *Verifier) verify(ctx context.Context, token string) (invitations.Caller, time.Time, error) {
	var claims Claims
	if _, err := v.parser.ParseWithClaims(token, &claims, v.keyfunc(ctx)); err != nil {
		code, message := reason(err)
		return invitations.Caller{}, time.Time{}, reject(code, invitations.ErrUnauthenticated, message)
	}
	switch {
	case claims.TenantID == "":
		return invitations.Caller{}, time.Time{}, reject("missing_tenant", invitations.ErrUnauthenticated, "the token has no tid (tenant) claim")
	case claims.Subject == "":
		return invitations.Caller{}, time.Time{}, reject("missing_subject", invitations.ErrUnauthenticated, "the token has no sub (subject) claim")
	case claims.TenantID == personalAccountsTenant:
		return invitations.Caller{}, time.Time{}, reject("personal_account", invitations.ErrForbidden, "personal Microsoft accounts are not supported")
	}
	app := claims.AuthorizedParty
	if app == "" {
		app = claims.AppID
	}
	return invitations.Caller{
		Tenant:      claims.TenantID,
		Subject:     claims.Subject,
		Scopes:      invitations.ParseScopes(claims.Scope),
		Roles:       slices.Clip(claims.Roles),
		Application: app,
	}, claims.ExpiresAt.Time, nil // the parser requires exp
}

// Ready reports whether the Verifier can verify tokens: for a JWKS, whether
// signing keys have been fetched. Its error wraps invitations.ErrUnavailable.
func (v *Verifier) Ready(ctx context.Context) error {
	if v.ready == nil {
		return nil
	}
	return v.ready(ctx)
}

// Rejection is a refused token: the *invitations.Error the caller sees,
// and a short, stable reason for metrics ("expired", "signature", ...).
type Rejection struct {
	Reason string
	Err    error
}

func reject(reason string, kind error, message string) error {
	return &Rejection{Reason: reason, Err: invitations.Errorf(kind, "%s", message)}
}

func (r *Rejection) Error() string { return r.Err.Error() }

// Unwrap gives the *invitations.Error (and its kind) to errors.As and Is.
func (r *Rejection) Unwrap() error { return r.Err }

// FailureReason is the reason, for whoever counts failures without
// importing this package.
func (r *Rejection) FailureReason() string { return r.Reason }

// reason classifies a parse failure, and words it for the caller without
// echoing the token.
func reason(err error) (code, message string) {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "malformed", "the token is malformed"
	case errors.Is(err, errNoKey):
		return "unknown_key", "no signing key is known for the token's kid and algorithm"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return "signature", "the token's signature or algorithm is not accepted"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "expired", "the token has expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "not_yet_valid", "the token is not valid yet"
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "issued_in_future", "the token's iat (issued at) is in the future"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "issuer", "the token's issuer is not accepted"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "audience", "the token's audience is not accepted"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "missing_claim", "the token lacks a required claim (exp)"
	}
	return "invalid", "the token is invalid"
}

// MintHS256 signs claims with key, for the development key and tests.
func MintHS256(key []byte, claims Claims) (string, error) {
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(key)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return token, nil
}
