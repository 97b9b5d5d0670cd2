// Command stock is issue 13's first reference: what a user gets from the
// stock generated stack with nothing of this service's own. It is the
// oapi-codegen strict Echo server generated from this repository's
// openapi.yaml (package gen, which is exactly that generator's output:
// gen/server.cfg.yaml only names things and asks for nullable PATCH fields),
// behind the stock kin-openapi request validator of
// github.com/oapi-codegen/echo-middleware (OapiRequestValidatorWithOptions,
// which routes with gorilla/mux), over a map under a mutex. No logging, no
// request ids, no metrics, no limits; the only check of the caller is the
// validator's: the spec declares bearer security, so kin-openapi calls the
// AuthenticationFunc, and this one asks for an Authorization header with a
// Bearer token and checks nothing more.
//
// It serves create and get, which the harness compares invitationsd's HTTP
// layer with; the other operations answer 501.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	echomw "github.com/oapi-codegen/echo-middleware"

	"github.com/graph-linkedin/invitations/bench/reference"
	"github.com/graph-linkedin/invitations/gen"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	h, err := newHandler()
	if err == nil {
		err = reference.Serve(ctx, *addr, h, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "stock:", err)
		os.Exit(1)
	}
}

// newHandler builds the stock stack: Echo, the validator middleware, the
// generated strict handler.
func newHandler() (http.Handler, error) {
	spec, err := gen.Spec()
	if err != nil {
		return nil, err
	}
	if len(spec.Servers) == 0 {
		return nil, errors.New("openapi.yaml names no server URL")
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(echomw.OapiRequestValidatorWithOptions(spec, &echomw.Options{
		// The server URL is relative (/v1.0), so there is no host to match;
		// this only silences the warning that says so.
		SilenceServersWarning: true,
		Options: openapi3filter.Options{
			AuthenticationFunc: bearer,
			// The generated strict handler binds the body from the value
			// the validator decoded (gen/server.gen.go), instead of
			// decoding the JSON a second time: the generator's own fast path.
			KeepValidatedValue: true,
		},
	}))
	gen.RegisterHandlersWithBaseURL(e, gen.NewStrictHandler(&store{byID: map[string]gen.InvitationV2{}}, nil), spec.Servers[0].URL)
	return e, nil
}

// bearer is the least AuthenticationFunc a spec with bearer security needs:
// a bearer token must be there; what it says is not checked.
func bearer(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.SecurityScheme == nil || !strings.EqualFold(in.SecurityScheme.Scheme, "bearer") {
		return fmt.Errorf("security scheme %s is not bearer", in.SecuritySchemeName)
	}
	scheme, token, _ := strings.Cut(in.RequestValidationInput.Request.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return errors.New("no bearer token")
	}
	return nil
}

// store implements the generated strict interface over a map.
type store struct {
	mu   sync.RWMutex
	byID map[string]gen.InvitationV2
}

var _ gen.StrictServerInterface = (*store)(nil)

// CreateInvitation stores the invitation under a new id. The inviter is
// the body's, when it gives one: there is no caller to take it from.
func (s *store) CreateInvitation(_ context.Context, req gen.CreateInvitationRequestObject) (gen.CreateInvitationResponseObject, error) {
	b := req.Body
	id, now := uuid.NewString(), time.Now().UnixMilli()
	odataType := gen.InvitationV2OdataType("#microsoft.graph.InvitationV2")
	inv := gen.InvitationV2{OdataType: &odataType, ID: &id, Created: &now, LastModified: &now,
		Inviter: b.Inviter, Invitee: &b.Invitee, Message: b.Message, TrackingID: b.TrackingID}
	s.mu.Lock()
	s.byID[id] = inv
	s.mu.Unlock()
	location, etag := "/v1.0/linkedIn/invitations/"+id, `"1"`
	return gen.CreateInvitation201JSONResponse{Body: inv,
		Headers: gen.CreateInvitation201ResponseHeaders{Location: &location, ETag: &etag}}, nil
}

// GetInvitation returns the invitation, or a 404.
func (s *store) GetInvitation(_ context.Context, req gen.GetInvitationRequestObject) (gen.GetInvitationResponseObject, error) {
	s.mu.RLock()
	inv, ok := s.byID[req.ID]
	s.mu.RUnlock()
	if !ok {
		return gen.GetInvitation404JSONResponse{NotFoundJSONResponse: gen.NotFoundJSONResponse{Body: gen.ODataError{
			Error: gen.MainError{Code: "itemNotFound", Message: "invitation " + req.ID + " does not exist"}}}}, nil
	}
	etag := `"1"`
	return gen.GetInvitation200JSONResponse{Body: inv, Headers: gen.GetInvitation200ResponseHeaders{ETag: &etag}}, nil
}

// errNotServed answers the operations the harness does not measure.
var errNotServed = echo.NewHTTPError(http.StatusNotImplemented, "not served by the stock reference server")

// ListInvitations is not served.
func (s *store) ListInvitations(context.Context, gen.ListInvitationsRequestObject) (gen.ListInvitationsResponseObject, error) {
	return nil, errNotServed
}

// DeleteInvitation is not served.
func (s *store) DeleteInvitation(context.Context, gen.DeleteInvitationRequestObject) (gen.DeleteInvitationResponseObject, error) {
	return nil, errNotServed
}

// UpdateInvitation is not served.
func (s *store) UpdateInvitation(context.Context, gen.UpdateInvitationRequestObject) (gen.UpdateInvitationResponseObject, error) {
	return nil, errNotServed
}

// GetHealth is not served.
func (s *store) GetHealth(context.Context, gen.GetHealthRequestObject) (gen.GetHealthResponseObject, error) {
	return nil, errNotServed
}

// GetReadiness is not served.
func (s *store) GetReadiness(context.Context, gen.GetReadinessRequestObject) (gen.GetReadinessResponseObject, error) {
	return nil, errNotServed
}

// GetOpenAPIJSON is not served.
func (s *store) GetOpenAPIJSON(context.Context, gen.GetOpenAPIJSONRequestObject) (gen.GetOpenAPIJSONResponseObject, error) {
	return nil, errNotServed
}

// GetOpenAPIYAML is not served.
func (s *store) GetOpenAPIYAML(context.Context, gen.GetOpenAPIYAMLRequestObject) (gen.GetOpenAPIYAMLResponseObject, error) {
	return nil, errNotServed
}

// CloseInvitations is not served.
func (s *store) CloseInvitations(context.Context, gen.CloseInvitationsRequestObject) (gen.CloseInvitationsResponseObject, error) {
	return nil, errNotServed
}

// HeadInvitations is not served.
func (s *store) HeadInvitations(context.Context, gen.HeadInvitationsRequestObject) (gen.HeadInvitationsResponseObject, error) {
	return nil, errNotServed
}

// HeadInvitation is not served.
func (s *store) HeadInvitation(context.Context, gen.HeadInvitationRequestObject) (gen.HeadInvitationResponseObject, error) {
	return nil, errNotServed
}

// CreateSubscription is not served.
func (s *store) CreateSubscription(context.Context, gen.CreateSubscriptionRequestObject) (gen.CreateSubscriptionResponseObject, error) {
	return nil, errNotServed
}

// ListSubscriptions is not served.
func (s *store) ListSubscriptions(context.Context, gen.ListSubscriptionsRequestObject) (gen.ListSubscriptionsResponseObject, error) {
	return nil, errNotServed
}

// GetSubscription is not served.
func (s *store) GetSubscription(context.Context, gen.GetSubscriptionRequestObject) (gen.GetSubscriptionResponseObject, error) {
	return nil, errNotServed
}

// UpdateSubscription is not served.
func (s *store) UpdateSubscription(context.Context, gen.UpdateSubscriptionRequestObject) (gen.UpdateSubscriptionResponseObject, error) {
	return nil, errNotServed
}

// DeleteSubscription is not served.
func (s *store) DeleteSubscription(context.Context, gen.DeleteSubscriptionRequestObject) (gen.DeleteSubscriptionResponseObject, error) {
	return nil, errNotServed
}

// HeadSubscriptions is not served.
func (s *store) HeadSubscriptions(context.Context, gen.HeadSubscriptionsRequestObject) (gen.HeadSubscriptionsResponseObject, error) {
	return nil, errNotServed
}

// HeadSubscription is not served.
func (s *store) HeadSubscription(context.Context, gen.HeadSubscriptionRequestObject) (gen.HeadSubscriptionResponseObject, error) {
	return nil, errNotServed
}
