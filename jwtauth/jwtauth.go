// Package jwtauth verifies the service's access tokens (JWTs) and turns their
// claims into an invitations.Caller. It also mints tokens signed with the
// local development key, for the `invitationsd token` command and for tests.
package jwtauth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/graph-linkedin/invitations"
)

// Leeway is the clock skew tolerated on exp, nbf and iat.
const Leeway = time.Minute

// personalAccountsTenant is the tenant id of personal Microsoft accounts,
// which the service does not support.
const personalAccountsTenant = "9188040d-6c67-4c5b-b112-36a304b66dad"

// Claims are the claims the service reads from an access token.
type Claims struct {
	jwt.RegisteredClaims
	TenantID string   `json:"tid,omitempty"`
	Scope    string   `json:"scp,omitempty"`   // delegated permissions, space-separated
	Roles    []string `json:"roles,omitempty"` // application permissions
}

// Verifier checks access tokens: signature, algorithm (decided by the key,
// never by the token's header), expiry, not-before, issuer and audience.
type Verifier struct {
	parser  *jwt.Parser
	keyfunc jwt.Keyfunc
}

// NewHS256 returns a Verifier for tokens signed with the shared key.
func NewHS256(key []byte, issuer, audience string) *Verifier {
	return &Verifier{
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
			jwt.WithIssuer(issuer),
			jwt.WithAudience(audience),
			jwt.WithLeeway(Leeway),
			jwt.WithExpirationRequired(),
		),
		keyfunc: func(*jwt.Token) (any, error) { return key, nil },
	}
}

// Verify checks token and returns its caller. Every failure is an
// invitations.ErrUnauthenticated error (or ErrForbidden for an account the
// service does not serve) whose message is safe to show the caller.
func (v *Verifier) Verify(_ context.Context, token string) (invitations.Caller, error) {
	var claims Claims
	if _, err := v.parser.ParseWithClaims(token, &claims, v.keyfunc); err != nil {
		return invitations.Caller{}, invitations.Errorf(invitations.ErrUnauthenticated, "%s", reason(err))
	}
	switch {
	case claims.TenantID == "":
		return invitations.Caller{}, invitations.Errorf(invitations.ErrUnauthenticated, "the token has no tid (tenant) claim")
	case claims.Subject == "":
		return invitations.Caller{}, invitations.Errorf(invitations.ErrUnauthenticated, "the token has no sub (subject) claim")
	case claims.TenantID == personalAccountsTenant:
		return invitations.Caller{}, invitations.Errorf(invitations.ErrForbidden, "personal Microsoft accounts are not supported")
	}
	return invitations.Caller{
		Tenant:  claims.TenantID,
		Subject: claims.Subject,
		Scopes:  invitations.ParseScopes(claims.Scope),
		Roles:   claims.Roles,
	}, nil
}

// reason words a parse failure for the caller without echoing the token.
func reason(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "the token is malformed"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return "the token's signature or algorithm is not accepted"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "the token has expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "the token is not valid yet"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "the token's issuer is not accepted"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "the token's audience is not accepted"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "the token lacks a required claim (exp)"
	}
	return "the token is invalid"
}

// MintHS256 signs claims with key, for the development key and tests.
func MintHS256(key []byte, claims Claims) (string, error) {
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(key)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return token, nil
}
