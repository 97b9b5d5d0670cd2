// Package server is the HTTP service: handlers implementing gen's strict
// interface, the middleware that validates every request against
// openapi.yaml and authenticates it, and the one error handler that writes
// Graph's error body. New returns an http.Handler; Echo stays inside.
package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"
	echomw "github.com/oapi-codegen/echo-middleware"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/gen"
)

// BasePath is where the API lives, as openapi.yaml's server URL says.
const BasePath = "/v1.0"

// Verifier checks an access token and says who presents it.
type Verifier interface {
	Verify(ctx context.Context, token string) (invitations.Caller, error)
}

// Options configure a server. Verifier is required.
type Options struct {
	Verifier Verifier
	// MaxBodyBytes caps request bodies; larger ones get a 413. Default 64 KiB.
	MaxBodyBytes int64
	// RequestTimeout bounds the work for one request. Default 10 s.
	RequestTimeout time.Duration
	// Now is the clock for error bodies' dates; time.Now when nil.
	Now func() time.Time
	// Ready, when set, is asked by the readiness probe besides the store,
	// for instance whether the token verifier has fetched its keys. An error
	// makes /readyz answer 503.
	Ready func(ctx context.Context) error
}

type server struct {
	store  invitations.Store
	log    *slog.Logger
	opts   Options
	verify Verifier
	routes map[string]bool // see specRouter.routes
}

// New builds the service's HTTP handler over store.
func New(store invitations.Store, logger *slog.Logger, opts Options) (http.Handler, error) {
	if opts.Verifier == nil {
		return nil, fmt.Errorf("server: no token verifier")
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 64 << 10
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 10 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	spec, err := gen.GetSwagger()
	if err != nil {
		return nil, fmt.Errorf("server: load embedded spec: %w", err)
	}
	if base := serverBase(spec.Servers); base != BasePath {
		return nil, fmt.Errorf("server: openapi.yaml's server URL is %q, not %q", base, BasePath)
	}
	s := &server{store: store, log: logger, opts: opts, verify: opts.Verifier}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Use(s.identify, s.logRequests, s.recoverPanics, s.authenticate, s.readBody, s.validator(spec))

	router := newSpecRouter(e, spec)
	gen.RegisterHandlers(router, gen.NewStrictHandler(&handler{store: store, ready: opts.Ready}, nil))
	s.routes = router.routes
	return e, nil
}

// validator enforces openapi.yaml on every request.
func (s *server) validator(spec *openapi3.T) echo.MiddlewareFunc {
	return echomw.OapiRequestValidatorWithOptions(spec, &echomw.Options{
		SilenceServersWarning: true, // the server URL is relative, so no host is matched
		// A request Echo could not route gets Echo's own 404 or 405.
		Skipper: func(c echo.Context) bool {
			_, ok := s.routes[c.Request().Method+" "+c.Path()]
			return !ok
		},
		Options: openapi3filter.Options{
			AuthenticationFunc: authenticated,
			// Read-only properties in a body are ignored, as OData says.
			ExcludeReadOnlyValidations: true,
			// Hand the decoded body on, so the handler need not decode it again.
			KeepValidatedValue: true,
		},
	})
}
