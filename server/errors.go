package server

import (
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/gen"
)

// kinds maps each domain error kind to its status and Graph error code. It
// is the one place that decides them; the client reverses it.
var kinds = []struct {
	kind   error
	status int
	code   gen.ErrorCode
}{
	{invitations.ErrInvalid, http.StatusBadRequest, gen.ErrorCodeBadRequest},
	{invitations.ErrUnauthenticated, http.StatusUnauthorized, gen.ErrorCodeInvalidAuthenticationToken},
	{invitations.ErrForbidden, http.StatusForbidden, gen.ErrorCodeAccessDenied},
	{invitations.ErrNotFound, http.StatusNotFound, gen.ErrorCodeItemNotFound},
	{invitations.ErrConflict, http.StatusConflict, gen.ErrorCodeConflict},
	{invitations.ErrKeyReused, http.StatusUnprocessableEntity, gen.ErrorCodeUnprocessableEntity},
	{invitations.ErrPreconditionFailed, http.StatusPreconditionFailed, gen.ErrorCodePreconditionFailed},
	{invitations.ErrTooLarge, http.StatusRequestEntityTooLarge, gen.ErrorCodeRequestEntityTooLarge},
	{invitations.ErrUnsupportedMediaType, http.StatusUnsupportedMediaType, gen.ErrorCodeUnsupportedMediaType},
	{invitations.ErrThrottled, http.StatusTooManyRequests, gen.ErrorCodeTooManyRequests},
	{invitations.ErrUnavailable, http.StatusServiceUnavailable, gen.ErrorCodeServiceNotAvailable},
}

// problem is an error as the caller will see it.
type problem struct {
	status  int
	code    gen.ErrorCode
	message string
	target  string
}

// handleError is Echo's error handler, and the only place that writes an
// error response: handlers, the validator and the middleware all return
// errors that end here.
func (s *server) handleError(err error, c echo.Context) {
	ri := info(c.Request().Context())
	p := classify(err)
	if p.status >= http.StatusInternalServerError {
		s.log.LogAttrs(c.Request().Context(), slog.LevelError, "request failed",
			slog.String("request_id", ri.id), slog.Int("status", p.status), slog.String("error", err.Error()))
		if p.status == http.StatusInternalServerError {
			p.message = "internal error" // the detail is in the log, under the request id
		}
	}
	if c.Response().Committed {
		return
	}
	h := c.Response().Header()
	var later *retryLater
	switch {
	case p.status == http.StatusUnauthorized:
		h.Set("WWW-Authenticate", challenge(err, p.message))
	case errors.As(err, &later):
		h.Set("Retry-After", strconv.Itoa(later.seconds))
	case p.status == http.StatusTooManyRequests, p.status == http.StatusServiceUnavailable:
		h.Set("Retry-After", "1")
	}
	if rep := (*replayed)(nil); errors.As(err, &rep) {
		h.Set("Idempotency-Replayed", "true")
	}
	// A HEAD gets GET's answer too: net/http sends its header fields (the
	// body's Content-Type and Content-Length among them) and not the body.
	if err := c.JSON(p.status, errorBody(p, ri, s.opts.Now())); err != nil {
		s.log.LogAttrs(c.Request().Context(), slog.LevelWarn, "writing error response",
			slog.String("request_id", ri.id), slog.String("error", err.Error()))
	}
}

// errorBody is Graph's error body for p, in the request ri at now.
func errorBody(p problem, ri *requestInfo, now time.Time) gen.ODataError {
	body := gen.ODataError{Error: gen.MainError{
		Code:    p.code,
		Message: p.message,
		InnerError: gen.InnerError{
			RequestID:       ri.id,
			ClientRequestID: &ri.clientID,
			Date:            now.UTC().Truncate(time.Second),
		},
	}}
	if p.target != "" {
		body.Error.Target = &p.target
	}
	return body
}

// retryLater is a refusal (of any status) that asks the caller to try again
// after a few seconds, in Retry-After: the in-progress key's 409, the
// throttle's and the failed-authentication budget's 429s. Another 429 or
// 503 asks for 1 second.
type retryLater struct {
	error
	seconds int
}

func (r *retryLater) Unwrap() error { return r.error }

// classify decides how an error looks to the caller.
func classify(err error) problem {
	var (
		domain   *invitations.Error
		tooLarge *http.MaxBytesError
		reqErr   *openapi3filter.RequestError
		httpErr  *echo.HTTPError
	)
	switch {
	case errors.As(err, &domain):
		p := problemOf(domain.Kind, domain.Message)
		p.target = domain.Target
		return p
	case errors.As(err, &tooLarge):
		return problemOf(invitations.ErrTooLarge, fmt.Sprintf("the request body is larger than %d bytes", tooLarge.Limit))
	case errors.As(err, &reqErr):
		return requestProblem(reqErr)
	case errors.As(err, &httpErr):
		return httpProblem(httpErr)
	}
	for _, k := range kinds { // a bare kind, or one wrapped with fmt.Errorf
		if errors.Is(err, k.kind) {
			return problemOf(k.kind, err.Error())
		}
	}
	return problem{status: http.StatusInternalServerError, code: gen.ErrorCodeInternalServerError}
}

func problemOf(kind error, message string) problem {
	for _, k := range kinds {
		if k.kind == kind {
			if k.status == http.StatusServiceUnavailable {
				message = "the service is unavailable; retry after 1 second" // not the driver's words
			}
			return problem{status: k.status, code: k.code, message: message}
		}
	}
	return problem{status: http.StatusInternalServerError, code: gen.ErrorCodeInternalServerError}
}

// requestProblem words a validation failure, naming the parameter or the
// property at fault.
func requestProblem(e *openapi3filter.RequestError) problem {
	var (
		schemaErr *openapi3.SchemaError
		parseErr  *openapi3filter.ParseError
	)
	switch {
	case e.Parameter != nil:
		p := problemOf(invitations.ErrInvalid, "")
		p.target = e.Parameter.Name
		detail := e.Reason
		if errors.As(e, &schemaErr) {
			detail = schemaErr.Reason
		} else if e.Err != nil {
			detail = e.Err.Error()
		}
		p.message = fmt.Sprintf("%s parameter %s: %s", e.Parameter.In, e.Parameter.Name, detail)
		return p
	case e.RequestBody != nil && unsupportedMediaType(e):
		ct := e.Input.Request.Header.Get("Content-Type")
		return problemOf(invitations.ErrUnsupportedMediaType,
			fmt.Sprintf("Content-Type %q is not supported; send application/json", ct))
	case errors.Is(e, openapi3filter.ErrInvalidRequired):
		return problemOf(invitations.ErrInvalid, "the request body is required")
	case errors.As(e, &parseErr):
		return problemOf(invitations.ErrInvalid, "the request body is not valid JSON: "+parseErr.RootCause().Error())
	case errors.As(e, &schemaErr):
		return schemaProblem(schemaErr)
	}
	return problemOf(invitations.ErrInvalid, e.Error())
}

// unsupportedMediaType reports whether the body was refused for its
// Content-Type: none of the operation's declared media types matches.
func unsupportedMediaType(e *openapi3filter.RequestError) bool {
	if e.Input == nil || e.Input.Request == nil || e.Err != nil {
		return false
	}
	ct := e.Input.Request.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		ct = mt
	}
	return e.RequestBody.Content.Get(ct) == nil
}

// schemaProblem names the property at fault by its path in the body, as in
// "message.invitationMessage.body: maximum string length is 300".
func schemaProblem(e *openapi3.SchemaError) problem {
	// A failure inside allOf (or a similar combinator) wraps the real one.
	for inner := (*openapi3.SchemaError)(nil); errors.As(e.Origin, &inner); {
		e = inner
	}
	path := e.JSONPointer()
	reason := e.Reason
	// kin-openapi reports an unknown or missing property at its parent
	// object; name the property itself.
	if e.SchemaField == "properties" || e.SchemaField == "additionalProperties" || e.SchemaField == "required" {
		if name, ok := quoted(reason); ok && (len(path) == 0 || path[len(path)-1] != name) {
			path = append(path, name)
		}
	}
	p := problemOf(invitations.ErrInvalid, "")
	p.target = strings.Join(path, ".")
	if p.target == "" {
		p.message = "the request body: " + reason
	} else {
		p.message = p.target + ": " + reason
	}
	return p
}

// quoted returns the first double-quoted word in s.
func quoted(s string) (string, bool) {
	_, rest, ok := strings.Cut(s, `"`)
	if !ok {
		return "", false
	}
	word, _, ok := strings.Cut(rest, `"`)
	return word, ok
}

// httpProblem words Echo's own errors: no route, wrong method, and the
// generated wrapper's parameter binding.
func httpProblem(e *echo.HTTPError) problem {
	message := fmt.Sprint(e.Message)
	switch e.Code {
	case http.StatusNotFound:
		return problem{status: e.Code, code: gen.ErrorCodeItemNotFound, message: "no such resource"}
	case http.StatusMethodNotAllowed:
		return problem{status: e.Code, code: gen.ErrorCodeMethodNotAllowed, message: "the resource does not support this method"}
	case http.StatusRequestEntityTooLarge:
		return problemOf(invitations.ErrTooLarge, "the request body is too large")
	case http.StatusUnsupportedMediaType:
		return problemOf(invitations.ErrUnsupportedMediaType, message)
	case http.StatusRequestHeaderFieldsTooLarge:
		return problem{status: e.Code, code: gen.ErrorCodeRequestHeaderFieldsTooLarge, message: message}
	}
	if e.Code >= 400 && e.Code < 500 {
		return problemOf(invitations.ErrInvalid, message)
	}
	return problem{status: http.StatusInternalServerError, code: gen.ErrorCodeInternalServerError}
}
