package client

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/graph-linkedin/invitations/client/raw"
	"github.com/graph-linkedin/invitations/internal/fault"
	"github.com/graph-linkedin/invitations/internal/retryafter"
)

// The kinds of failure a *Error can be; check them with errors.Is. They are
// the service's own kinds (invitations.ErrNotFound and so on: the same
// values), so code that handles both a store and a client checks one set.
var (
	ErrInvalid              = fault.ErrInvalid              // 400 badRequest
	ErrUnauthorized         = fault.ErrUnauthenticated      // 401 InvalidAuthenticationToken
	ErrForbidden            = fault.ErrForbidden            // 403 accessDenied
	ErrNotFound             = fault.ErrNotFound             // 404 itemNotFound
	ErrConflict             = fault.ErrConflict             // 409 conflict
	ErrKeyReused            = fault.ErrKeyReused            // 422 unprocessableEntity: an Idempotency-Key sent with another create
	ErrPreconditionFailed   = fault.ErrPreconditionFailed   // 412 preconditionFailed
	ErrTooLarge             = fault.ErrTooLarge             // 413 requestEntityTooLarge (and 431)
	ErrUnsupportedMediaType = fault.ErrUnsupportedMediaType // 415 unsupportedMediaType
	ErrThrottled            = fault.ErrThrottled            // 429 TooManyRequests
	ErrUnavailable          = fault.ErrUnavailable          // 503 serviceNotAvailable (and 502, 504)
	// ErrServer is a failure of the service itself (500 internalServerError
	// and other 5xx); the service logs the detail under the request id.
	ErrServer = errors.New("server error")
)

// Error is a response with a status other than 2xx: Microsoft Graph's error
// body and the headers that identify the request.
type Error struct {
	// StatusCode is the HTTP status; 0 for the failure of one entry of
	// CloseInvitations, whose answer as a whole was a 200 (Code says what
	// failed).
	StatusCode int
	Code       string // the Graph code, such as "itemNotFound"; "" when the body was not a Graph error
	Message    string
	Target     string // the property or parameter at fault, when there is one

	RequestID       string // the service's id for the request; quote it to support
	ClientRequestID string // the client-request-id the request carried
	Date            time.Time
	// RetryAfter is how long the service asked to wait (429, 503); 0 when it
	// did not say.
	RetryAfter time.Duration
}

// Error reads "code: message (request-id id)".
func (e *Error) Error() string {
	var b strings.Builder
	if e.Code != "" {
		b.WriteString(e.Code)
	} else {
		b.WriteString(strings.TrimSpace(strconv.Itoa(e.StatusCode) + " " + http.StatusText(e.StatusCode)))
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.RequestID != "" {
		b.WriteString(" (request-id " + e.RequestID + ")")
	}
	return b.String()
}

// Is reports whether e is of the kind target, so that
// errors.Is(err, client.ErrNotFound) works.
func (e *Error) Is(target error) bool {
	k := e.Kind()
	return k != nil && k == target
}

// Kind is e's kind (ErrNotFound, ErrConflict, ...), or nil for a status the
// service does not use.
func (e *Error) Kind() error {
	if k, ok := kindOfCode[raw.ErrorCode(e.Code)]; ok {
		return k
	}
	switch s := e.StatusCode; {
	case s == http.StatusBadRequest:
		return ErrInvalid
	case s == http.StatusUnprocessableEntity:
		return ErrKeyReused
	case s == http.StatusUnauthorized:
		return ErrUnauthorized
	case s == http.StatusForbidden:
		return ErrForbidden
	case s == http.StatusNotFound:
		return ErrNotFound
	case s == http.StatusConflict:
		return ErrConflict
	case s == http.StatusPreconditionFailed:
		return ErrPreconditionFailed
	case s == http.StatusRequestEntityTooLarge, s == http.StatusRequestHeaderFieldsTooLarge:
		return ErrTooLarge
	case s == http.StatusUnsupportedMediaType:
		return ErrUnsupportedMediaType
	case s == http.StatusTooManyRequests:
		return ErrThrottled
	case s == http.StatusBadGateway, s == http.StatusServiceUnavailable, s == http.StatusGatewayTimeout:
		return ErrUnavailable
	case s >= 500:
		return ErrServer
	}
	return nil
}

// kindOfCode reverses the service's mapping of kinds to Graph codes.
var kindOfCode = map[raw.ErrorCode]error{
	raw.ErrorCodeBadRequest:                  ErrInvalid,
	raw.ErrorCodeUnprocessableEntity:         ErrKeyReused,
	raw.ErrorCodeInvalidAuthenticationToken:  ErrUnauthorized,
	raw.ErrorCodeAccessDenied:                ErrForbidden,
	raw.ErrorCodeItemNotFound:                ErrNotFound,
	raw.ErrorCodeConflict:                    ErrConflict,
	raw.ErrorCodePreconditionFailed:          ErrPreconditionFailed,
	raw.ErrorCodeRequestEntityTooLarge:       ErrTooLarge,
	raw.ErrorCodeRequestHeaderFieldsTooLarge: ErrTooLarge,
	raw.ErrorCodeUnsupportedMediaType:        ErrUnsupportedMediaType,
	raw.ErrorCodeTooManyRequests:             ErrThrottled,
	raw.ErrorCodeServiceNotAvailable:         ErrUnavailable,
	raw.ErrorCodeInternalServerError:         ErrServer,
}

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 64 << 10

// errorFrom reads a non-2xx response into an *Error; it consumes the body
// but does not close it.
func errorFrom(res *http.Response, now time.Time) *Error {
	e := &Error{
		StatusCode:      res.StatusCode,
		RequestID:       res.Header.Get("request-id"),
		ClientRequestID: res.Header.Get("client-request-id"),
	}
	if d, ok := retryafter.Parse(res.Header.Get("Retry-After"), now); ok {
		e.RetryAfter = d
	}
	body, _ := io.ReadAll(io.LimitReader(res.Body, maxErrorBody))
	var graph raw.ODataError
	if err := json.Unmarshal(body, &graph); err == nil && graph.Error.Code != "" {
		g := graph.Error
		e.Code, e.Message, e.Date = string(g.Code), g.Message, g.InnerError.Date
		if g.Target != nil {
			e.Target = *g.Target
		}
		if g.InnerError.RequestID != "" {
			e.RequestID = g.InnerError.RequestID
		}
		if id := g.InnerError.ClientRequestID; id != nil && *id != "" {
			e.ClientRequestID = *id
		}
		return e
	}
	// Not a Graph error (a proxy's page, say): keep the start of it.
	msg := []rune(strings.TrimSpace(strings.ToValidUTF8(string(body), "")))
	if len(msg) > 200 {
		msg = append(msg[:200], '…')
	}
	e.Message = string(msg)
	return e
}
