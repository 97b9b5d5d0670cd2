package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel/trace"

	"github.com/graph-linkedin/invitations"
)

// requestInfo is what the server learns about a request where it enters
// (see enter), once, and carries for every step after: the steps of the
// request path, the handlers, the error handler, the access log and the
// metrics.
type requestInfo struct {
	id       string        // request-id
	clientID string        // client-request-id: the caller's, or id
	req      *http.Request // as it arrived, for the links' base (origin.base)
	// route is the request's operation, with its facts computed at
	// start-up; nil when no operation matched (Echo's 404 and 405, /docs).
	route  *route
	caller invitations.Caller
	start  time.Time // by the real clock, for the time the request takes
	// now is the request's time by Options.Now, read once where it enters,
	// for the throttle and the failed-authentication budget: without
	// Options.Now it is start, so that a request reads the clock once
	// there, not once per step (a clock read costs about 47 ns on the project's VMs).
	now  time.Time
	span trace.Span // the request's, when tracing (see tracing.start)
	// The values of the request-id and client-request-id header fields,
	// and throttle's RateLimit: slices of these arrays, so that setting
	// them allocates nothing.
	idValue, clientIDValue, rateLimit [1]string
	// validation is the validator's input (see validate), here so that it
	// is not an allocation of its own.
	validation openapi3filter.RequestValidationInput
	// json is the request body as readBody read it, when sent as
	// application/json to an operation whose jsonBody validates it; nil
	// otherwise.
	json *validatedBody
}

type requestInfoKey struct{}

// info returns the request's info; every request passing enter has one.
func info(ctx context.Context) *requestInfo {
	if ri, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
		return ri
	}
	return &requestInfo{}
}

// enter is the request path: the one middleware every request passes, after
// Echo has routed it. The request's facts are learned here, once (its id,
// its operation; authenticate adds its caller), and kept in its
// requestInfo; each step is a function of its own, run in an order that
// matters: what no operation may take (header fields too large, a query
// string that does not parse) is refused first; a request is authenticated
// (and throttled) before any of it is read or validated; the access log
// line and the metrics come after the error handler has answered, so the
// status is the one the caller saw; with Options.ValidateResponses, the
// response is checked last. (One middleware, not one per concern: Echo
// wraps each middleware anew for every request.) With tracing, the
// request's span, named by its operation, begins here (in identify, see
// trace.go); guard.go's call makes the store calls' spans.
func (s *server) enter(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ri := s.identify(c)
		if s.opts.ValidateResponses {
			defer s.checkResponses(c, ri)()
		}
		err := s.steps(c, ri, next)
		if err != nil {
			c.Error(err)
		}
		s.record(c, ri)
		if ri.span != nil {
			s.tracing.end(c, ri, err)
		}
		return nil
	}
}

// steps runs the request's steps, then its operation. A panic becomes an
// error, so it gets a logged 500 instead of a dropped connection.
func (s *server) steps(c echo.Context, ri *requestInfo, next echo.HandlerFunc) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			err = &panicError{value: r}
		}
	}()
	if err := s.screen(c.Request()); err != nil {
		return err
	}
	if rt := ri.route; rt != nil {
		if rt.secured {
			if err := s.authenticate(c, ri); err != nil {
				return err
			}
			if err := s.throttle(c, ri); err != nil {
				return err
			}
		}
		if err := checkQuery(c, rt); err != nil {
			return err
		}
		if rt.body {
			if err := s.readBody(c, ri); err != nil {
				return err
			}
		}
		if err := s.validate(c, ri, rt); err != nil {
			return err
		}
	}
	return next(c)
}

// identify gives the request its info: its request-id (the
// client-request-id echoed, when valid) and its operation; and, when
// tracing, its span, in the same new context. Every answer is
// marked not to be stored by caches (most are one caller's own; the few
// that are not say so themselves) nor sniffed by browsers. The header
// fields are set under their canonical names, with values shared or kept
// in the info: Header.Set would canonicalize the names and allocate the
// values on every request.
//
// It sets no deadline: the work that can block is bounded where it blocks
// (the store calls, see guard.go; the readiness probe), and a deadline per
// request would cost a timer and a context for every request.
func (s *server) identify(c echo.Context) *requestInfo {
	req := c.Request()
	ri := &requestInfo{id: s.ids.next(), req: req, start: time.Now(),
		route: s.routes[routeKey{method: req.Method, path: c.Path()}]}
	ri.now = ri.start
	if s.clock {
		ri.now = s.opts.Now()
	}
	ri.clientID = ri.id
	if v := req.Header["Client-Request-Id"]; len(v) > 0 && validClientRequestID(v[0]) {
		ri.clientID = v[0]
	}
	ri.idValue[0], ri.clientIDValue[0] = ri.id, ri.clientID
	h := c.Response().Header()
	h["Request-Id"] = ri.idValue[:]
	h["Client-Request-Id"] = ri.clientIDValue[:]
	// Shared, never changed in place (Set replaces a slice).
	h["Cache-Control"] = s.noStore
	h["X-Content-Type-Options"] = s.noSniff
	ctx := context.WithValue(req.Context(), requestInfoKey{}, ri)
	if s.tracing != nil {
		ctx = s.tracing.start(ctx, req, ri)
	}
	c.SetRequest(req.WithContext(ctx))
	return ri
}

// validClientRequestID reports whether v may be echoed. The validator rejects
// a malformed one with a 400; this keeps it out of that 400's headers.
func validClientRequestID(v string) bool {
	if v == "" || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x21 || v[i] > 0x7e {
			return false
		}
	}
	return true
}

type panicError struct{ value any }

func (p *panicError) Error() string { return "panic: " + slog.AnyValue(p.value).String() }

// screen refuses what no operation may take, before anything depends on
// the route: header fields larger than the limit (431), and a query string
// that does not parse (400: a raw ';', a bad '%' escape, too many
// parameters), of which Go's parser would drop the offending pair without
// a word, when an option the service cannot honour is a 400, never
// silently ignored.
func (s *server) screen(req *http.Request) error {
	size := 0
	for name, values := range req.Header {
		for _, v := range values {
			size += len(name) + len(v) + 4 // ": " and CRLF
		}
	}
	if size > s.opts.MaxHeaderBytes {
		return errHeadersTooLarge
	}
	if raw := req.URL.RawQuery; raw != "" {
		if _, err := url.ParseQuery(raw); err != nil {
			return queryError(raw, err)
		}
	}
	return nil
}

// errHeadersTooLarge is a 431, which has no domain kind: it is the HTTP
// layer's own limit.
var errHeadersTooLarge = echo.NewHTTPError(http.StatusRequestHeaderFieldsTooLarge,
	"the request's header fields are too large")

// queryError names the first pair of the query string raw that does not
// parse, and why; err is url.ParseQuery's error, for what no single pair
// causes.
func queryError(raw string, err error) error {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		name, value, _ := strings.Cut(pair, "=")
		key, nameErr := url.QueryUnescape(name)
		if nameErr != nil {
			key = ""
		}
		var why string
		switch _, valueErr := url.QueryUnescape(value); {
		case strings.Contains(pair, ";"):
			why = "';' does not separate query options (use '&'); write a ';' in a value as %3B"
		case nameErr != nil:
			why = nameErr.Error()
		case valueErr != nil:
			why = valueErr.Error()
		default:
			continue
		}
		const maxShown = 100
		if len(pair) > maxShown {
			pair = pair[:maxShown] + "..."
		}
		return &invitations.Error{Kind: invitations.ErrInvalid, Target: key,
			Message: fmt.Sprintf("the query string does not parse at %q: %s", pair, why)}
	}
	return invitations.Errorf(invitations.ErrInvalid, "the query string does not parse: %v", err)
}

// checkQuery refuses query parameters the operation rt does not declare,
// and repeated ones: an option the service cannot honour is a 400, never
// silently ignored (the validator checks only the declared ones).
func checkQuery(c echo.Context, rt *route) error {
	if c.Request().URL.RawQuery == "" {
		return nil
	}
	for name, values := range c.QueryParams() {
		switch {
		case !rt.query[name]:
			return &invitations.Error{Kind: invitations.ErrInvalid, Target: name,
				Message: fmt.Sprintf("%s: the query option is not supported here", name)}
		case len(values) > 1:
			return &invitations.Error{Kind: invitations.ErrInvalid, Target: name,
				Message: fmt.Sprintf("%s: the query option is given more than once", name)}
		}
	}
	return nil
}

// readBody reads the request body of an operation that takes one, once,
// bounded: a declared length over the limit is a 413 without reading, an
// undeclared one is cut off at the limit. A JSON body must be one
// well-formed JSON value in valid UTF-8: encoding/json (and so the
// validator) would otherwise ignore trailing data and quietly replace
// invalid bytes. (A body sent to an operation that takes none is left
// unread, as HTTP allows, so it cannot be a 413 or a 400 the operation
// does not declare.)
func (s *server) readBody(c echo.Context, ri *requestInfo) error {
	req := c.Request()
	if req.Body == nil || req.Body == http.NoBody {
		return nil
	}
	if req.ContentLength > s.opts.MaxBodyBytes {
		return refuseBody(c, s.opts.MaxBodyBytes)
	}
	data, err := io.ReadAll(http.MaxBytesReader(c.Response(), req.Body, s.opts.MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return refuseBody(c, s.opts.MaxBodyBytes)
		}
		return invitations.Errorf(invitations.ErrInvalid, "reading the request body failed")
	}
	ct := req.Header.Get("Content-Type")
	if len(data) > 0 && isJSON(ct) {
		if err := checkJSON(data); err != nil {
			return err
		}
	}
	req.ContentLength = int64(len(data))
	req.GetBody = func() (io.ReadCloser, error) { return newBodyReader(data), nil }
	if len(data) > 0 && ct == "application/json" && ri.route.jsonBody != nil {
		// The body as validate will leave it (see jsonBody.validate); until
		// then, a plain reader of it.
		ri.json = &validatedBody{data: data}
		ri.json.Reset(data)
		req.Body = &ri.json.bodyReader
		return nil
	}
	req.Body = newBodyReader(data)
	return nil
}

// bodyReader is a request body read into memory, as GetBody gives it (to
// the validator, which reads it once more): one allocation, where
// io.NopCloser(bytes.NewReader(data)) is two.
type bodyReader struct{ bytes.Reader }

func newBodyReader(data []byte) *bodyReader {
	b := new(bodyReader)
	b.Reset(data)
	return b
}

func (*bodyReader) Close() error { return nil }

// refuseBody is the 413 for a body over limit, which goes out at once: the
// connection is closed after the answer (the rest of the body would come
// next on it), which also keeps net/http from reading up to 256 KiB more of
// the body before answering. After the answer, net/http drains what is left
// of the body (up to 256 KiB) before it closes the connection, for at most
// bodyDrainGrace: a sender still writing its body when the connection
// closed would get a reset instead of reading the 413 (the kernel resets a
// connection closed with data unread, and the sender's write fails), and a
// sender that never sends the rest holds the connection no longer than that.
func refuseBody(c echo.Context, limit int64) error {
	c.Response().Header().Set("Connection", "close")
	// It fails only without a connection under the response (a recorder).
	_ = http.NewResponseController(c.Response()).SetReadDeadline(time.Now().Add(bodyDrainGrace))
	return &http.MaxBytesError{Limit: limit}
}

// bodyDrainGrace bounds the draining of a refused body (see refuseBody).
const bodyDrainGrace = time.Second

func isJSON(contentType string) bool {
	if contentType == "application/json" { // what nearly every client sends: no need to parse it
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// checkJSON reports why data is not one JSON value in valid UTF-8.
func checkJSON(data []byte) error {
	if !utf8.Valid(data) {
		return invitations.Errorf(invitations.ErrInvalid, "the request body is not valid UTF-8")
	}
	if json.Valid(data) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var v any
	err := dec.Decode(&v)
	if err == nil {
		err = errors.New("more than one JSON value")
	}
	return invitations.Errorf(invitations.ErrInvalid, "the request body is not valid JSON: %v", err)
}
