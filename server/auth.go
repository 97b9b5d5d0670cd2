package server

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/graph-linkedin/invitations"
)

// errNoToken is a request without credentials: RFC 6750 says its challenge
// carries no error code.
var errNoToken = &invitations.Error{Kind: invitations.ErrUnauthenticated,
	Message: "the request has no access token; send Authorization: Bearer {token}"}

// authenticate is the one authentication step. It runs before the request
// is read or validated, so a caller without a valid token learns nothing
// else; which operations need a token is openapi.yaml's security
// requirements, recorded as the routes were registered. It records the
// caller in the request's info for the handlers.
func (s *server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if !s.routes[req.Method+" "+c.Path()].secured {
			return next(c)
		}
		token, err := bearerToken(req)
		if err != nil {
			reason := "header"
			if errors.Is(err, errNoToken) {
				reason = "missing"
			}
			s.metrics.tokenFailures.WithLabelValues(reason).Inc()
			return err
		}
		ri := info(req.Context())
		if ri.caller, err = s.verify.Verify(req.Context(), token); err != nil {
			reason := "invalid"
			var r interface{ FailureReason() string }
			if errors.As(err, &r) {
				reason = r.FailureReason()
			}
			s.metrics.tokenFailures.WithLabelValues(reason).Inc()
			return err
		}
		return next(c)
	}
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
