package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/graph-linkedin/invitations"
)

// errNoToken is a request without credentials: RFC 6750 says its challenge
// carries no error code.
var errNoToken = &invitations.Error{Kind: invitations.ErrUnauthenticated,
	Message: "the request has no access token; send Authorization: Bearer {token}"}

// authenticate is the one authentication step, for an operation that needs
// a token (openapi.yaml's security requirements, recorded in its route). It
// runs before the request is read or validated, so a caller without a
// valid token learns nothing else. It records the caller in the request's
// info.
//
// A client address that has spent its budget of failed authentications
// is refused before its token is looked at: verifying a signature is the
// expensive step a flood of bad tokens would make the server repeat.
func (s *server) authenticate(c echo.Context, ri *requestInfo) error {
	req := c.Request()
	var client netip.Prefix
	if s.failures != nil {
		client = clientKey(s.origin.client(req))
		if spent, wait := s.failures.spent(client, ri.now); spent {
			s.metrics.authRefused.Inc()
			after := max(1, int(wait/time.Second))
			return &retryLater{error: invitations.Errorf(invitations.ErrThrottled,
				"too many failed authentications from this address; retry after %d seconds", after), seconds: after}
		}
	}
	token, err := bearerToken(req)
	if err != nil {
		reason := "header"
		if errors.Is(err, errNoToken) {
			reason = "missing"
		}
		return s.failed(client, reason, err)
	}
	if ri.caller, err = s.opts.Verifier.Verify(req.Context(), token); err != nil {
		reason := "invalid"
		var r interface{ FailureReason() string }
		if errors.As(err, &r) {
			reason = r.FailureReason()
		}
		return s.failed(client, reason, err)
	}
	return nil
}

// failed counts a refused token, and spends one failure of the client's
// budget when the refusal is a 401 (a 403 is a valid token).
func (s *server) failed(client netip.Prefix, reason string, err error) error {
	s.metrics.tokenFailures.WithLabelValues(reason).Inc()
	if s.failures != nil && errors.Is(err, invitations.ErrUnauthenticated) {
		s.failures.bucket(client).AllowN(s.opts.Now(), 1)
	}
	return err
}

// FailureBudget bounds the failed authentications (401s) each client
// address may cause: a token bucket per address of Burst failures,
// refilled at Rate a second. Once it is spent, the address's requests to
// operations that need a token get a 429 with Retry-After, without their
// token being verified. The address is the request's direct peer, or the
// client a trusted proxy names (Options.TrustedProxies); IPv6 addresses
// count by their /64, which one host may hold whole.
type FailureBudget struct {
	Rate  float64 // failures per second; 0 turns the budget off
	Burst int     // failures at once
	// Clients bounds how many addresses' buckets are kept (least recently
	// seen ones are forgotten, which only ever lets an address through).
	Clients int
}

// clientKey is the bucket an address spends from: itself, or its /64 for
// IPv6. The zero Addr (no peer address) is a bucket of its own.
func clientKey(addr netip.Addr) netip.Prefix {
	bits := 32
	if addr.Is6() {
		bits = 64
	}
	p, _ := addr.Prefix(bits) // an error only for the zero Addr, whose zero Prefix is its bucket
	return p
}

// bearerToken returns the token of the request's one Authorization header.
// Tokens are accepted nowhere else (not in the query string: URLs get logged).
func bearerToken(req *http.Request) (string, error) {
	values := req.Header.Values("Authorization")
	switch {
	case len(values) == 0 && req.URL.Query().Has("access_token"):
		return "", invitations.Errorf(invitations.ErrUnauthenticated,
			"access tokens are accepted only in the Authorization header, not in the query string")
	case len(values) == 0:
		return "", errNoToken
	case len(values) > 1:
		return "", invitations.Errorf(invitations.ErrUnauthenticated, "the request has more than one Authorization header")
	}
	scheme, token, ok := strings.Cut(values[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", invitations.Errorf(invitations.ErrUnauthenticated, "the Authorization header must be 'Bearer {token}'")
	}
	if token == "" || strings.ContainsAny(token, " \t,") {
		return "", invitations.Errorf(invitations.ErrUnauthenticated, "the Authorization header must carry exactly one token")
	}
	return token, nil
}

// challenge is a 401's WWW-Authenticate header (RFC 6750 section 3).
func challenge(err error, description string) string {
	if errors.Is(err, errNoToken) {
		return `Bearer realm="invitations"`
	}
	return fmt.Sprintf(`Bearer realm="invitations", error="invalid_token", error_description=%q`,
		strings.ReplaceAll(description, `"`, `'`))
}
