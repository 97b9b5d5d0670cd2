package client_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/client"
)

var kinds = []error{
	client.ErrInvalid, client.ErrUnauthorized, client.ErrForbidden, client.ErrNotFound, client.ErrConflict,
	client.ErrKeyReused, client.ErrPreconditionFailed, client.ErrTooLarge, client.ErrUnsupportedMediaType, client.ErrThrottled,
	client.ErrUnavailable, client.ErrServer,
}

// checkError checks that err is an *Error of kind, with status and code and
// the ids of the request, and of no other kind.
func checkError(t *testing.T, err, kind error, status int, code string) *client.Error {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T); want a *client.Error", err, err)
	}
	if e.StatusCode != status || e.Code != code || e.Message == "" || e.RequestID == "" || e.ClientRequestID == "" {
		t.Errorf("error %#v; want status %d, code %s, a message and request ids", e, status, code)
	}
	for _, k := range kinds {
		if got := errors.Is(err, k); got != (k == kind) {
			t.Errorf("errors.Is(%v, %v) = %v; want %v", err, k, got, !got)
		}
	}
	if want := code + ": " + e.Message + " (request-id " + e.RequestID + ")"; err.Error() != want {
		t.Errorf("err.Error() = %q; want %q", err.Error(), want)
	}
	return e
}

// Every error kind the service can be made to answer, for real.
func TestErrors(t *testing.T) {
	ctx := context.Background()
	url := newServer(t)
	c, _ := newClient(t, url, delegated(t, alice))
	ada := client.NewInvitation{Invitee: "urn:li:email:ada.lovelace@contoso.com"}
	inv, err := c.CreateInvitation(ctx, ada)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("400", func(t *testing.T) {
		_, err := c.CreateInvitation(ctx, client.NewInvitation{Invitee: "ada@contoso.com"})
		e := checkError(t, err, client.ErrInvalid, http.StatusBadRequest, "badRequest")
		if e.Target != "invitee" {
			t.Errorf("Target %q; want invitee", e.Target)
		}
		_, err = c.ListPage(ctx, client.ListOptions{Filter: "invitee eq 'a' or invitee eq 'b'"})
		checkError(t, err, client.ErrInvalid, http.StatusBadRequest, "badRequest")
	})
	t.Run("401", func(t *testing.T) {
		anonymous, _ := newClient(t, url, "")
		_, err := anonymous.GetInvitation(ctx, inv.ID)
		checkError(t, err, client.ErrUnauthorized, http.StatusUnauthorized, "InvalidAuthenticationToken")
		forged, _ := newClient(t, url, delegated(t, alice)+"x")
		_, err = forged.GetInvitation(ctx, inv.ID)
		checkError(t, err, client.ErrUnauthorized, http.StatusUnauthorized, "InvalidAuthenticationToken")
	})
	t.Run("403", func(t *testing.T) {
		reader, _ := newClient(t, url, token(t, alice, []string{invitations.PermRead}, nil))
		_, err := reader.CreateInvitation(ctx, client.NewInvitation{Invitee: "urn:li:person:Someone1"})
		checkError(t, err, client.ErrForbidden, http.StatusForbidden, "accessDenied")
	})
	t.Run("404", func(t *testing.T) {
		_, err := c.GetInvitation(ctx, "00000000-0000-4000-8000-000000000000")
		checkError(t, err, client.ErrNotFound, http.StatusNotFound, "itemNotFound")
		// One the caller may not see is the same 404.
		stranger, _ := newClient(t, url, delegated(t, bob))
		err = stranger.DeleteInvitation(ctx, inv.ID)
		checkError(t, err, client.ErrNotFound, http.StatusNotFound, "itemNotFound")
	})
	t.Run("409", func(t *testing.T) {
		_, err := c.CreateInvitation(ctx, ada, client.WithClientRequestID("retry-of-create"))
		e := checkError(t, err, client.ErrConflict, http.StatusConflict, "conflict")
		if e.ClientRequestID != "retry-of-create" {
			t.Errorf("ClientRequestID %q; want retry-of-create", e.ClientRequestID)
		}
	})
	t.Run("412", func(t *testing.T) {
		if _, err := c.UpdateInvitation(ctx, inv.ID, client.Patch{TrackingID: client.Set("x")}); err != nil {
			t.Fatal(err)
		}
		_, err := c.UpdateInvitation(ctx, inv.ID, client.Patch{TrackingID: client.Set("y")}, client.WithIfMatch(inv.ETag))
		checkError(t, err, client.ErrPreconditionFailed, http.StatusPreconditionFailed, "preconditionFailed")
		err = c.DeleteInvitation(ctx, inv.ID, client.WithIfMatch(inv.ETag))
		checkError(t, err, client.ErrPreconditionFailed, http.StatusPreconditionFailed, "preconditionFailed")
	})
	t.Run("413", func(t *testing.T) {
		huge := client.NewInvitation{Invitee: "urn:li:person:Someone2", Message: &client.Message{Body: strings.Repeat("x", 70<<10)}}
		_, err := c.CreateInvitation(ctx, huge)
		checkError(t, err, client.ErrTooLarge, http.StatusRequestEntityTooLarge, "requestEntityTooLarge")
	})
	t.Run("415", func(t *testing.T) {
		plain, _ := newClient(t, url, delegated(t, alice), client.WithRequestEditor(func(req *http.Request) error {
			req.Header.Set("Content-Type", "text/plain")
			return nil
		}))
		_, err := plain.UpdateInvitation(ctx, inv.ID, client.Patch{TrackingID: client.Set("z")})
		checkError(t, err, client.ErrUnsupportedMediaType, http.StatusUnsupportedMediaType, "unsupportedMediaType")
	})
}

// A service whose database is gone answers 503 with Retry-After, which the
// client honours before it gives up.
func TestUnavailable(t *testing.T) {
	url, store := newServerStore(t)
	clock := newFakeClock()
	c, rec := newClient(t, url, app(t), clock.option(), client.WithRetry(client.RetryPolicy{MaxAttempts: 2}))
	store.Close()
	_, err := c.GetInvitation(context.Background(), "3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60")
	e := checkError(t, err, client.ErrUnavailable, http.StatusServiceUnavailable, "serviceNotAvailable")
	if e.RetryAfter != time.Second || len(rec.requests()) != 2 || !slices.Equal(clock.waits, []time.Duration{time.Second}) {
		t.Errorf("RetryAfter %v, %d attempts, waits %v; want 1s, 2, [1s]", e.RetryAfter, len(rec.requests()), clock.waits)
	}
}

// An *Error's kind follows its Graph code, or its status when the body was
// not a Graph error.
func TestErrorKinds(t *testing.T) {
	tests := []struct {
		status int
		code   string
		want   error
	}{
		{400, "badRequest", client.ErrInvalid},
		{401, "InvalidAuthenticationToken", client.ErrUnauthorized},
		{403, "accessDenied", client.ErrForbidden},
		{404, "itemNotFound", client.ErrNotFound},
		{409, "conflict", client.ErrConflict},
		{412, "preconditionFailed", client.ErrPreconditionFailed},
		{413, "requestEntityTooLarge", client.ErrTooLarge},
		{415, "unsupportedMediaType", client.ErrUnsupportedMediaType},
		{422, "unprocessableEntity", client.ErrKeyReused},
		{429, "TooManyRequests", client.ErrThrottled},
		{431, "requestHeaderFieldsTooLarge", client.ErrTooLarge},
		{500, "internalServerError", client.ErrServer},
		{503, "serviceNotAvailable", client.ErrUnavailable},
		{405, "methodNotAllowed", nil},
		// Not a Graph body: the status decides.
		{400, "", client.ErrInvalid},
		{401, "", client.ErrUnauthorized},
		{404, "", client.ErrNotFound},
		{422, "", client.ErrKeyReused},
		{429, "", client.ErrThrottled},
		{500, "", client.ErrServer},
		{502, "", client.ErrUnavailable},
		{503, "", client.ErrUnavailable},
		{504, "", client.ErrUnavailable},
		{505, "", client.ErrServer},
		{418, "", nil},
	}
	for _, tt := range tests {
		e := &client.Error{StatusCode: tt.status, Code: tt.code}
		if got := e.Kind(); got != tt.want {
			t.Errorf("Error{%d, %q}.Kind() = %v; want %v", tt.status, tt.code, got, tt.want)
		}
		for _, k := range kinds {
			if got := errors.Is(e, k); got != (k == tt.want) {
				t.Errorf("errors.Is(Error{%d, %q}, %v) = %v", tt.status, tt.code, k, got)
			}
		}
	}
	// The kinds are the service's own.
	if !errors.Is(&client.Error{StatusCode: 404, Code: "itemNotFound"}, invitations.ErrNotFound) {
		t.Error("a 404 is not invitations.ErrNotFound")
	}
}
