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
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/graph-linkedin/invitations"
)

// requestInfo is what the middleware learns about a request, for the
// handlers, the error handler and the log.
type requestInfo struct {
	id       string        // request-id
	clientID string        // client-request-id: the caller's, or id
	req      *http.Request // as it arrived, for the links' base (origin.base)
	caller   invitations.Caller
}

type requestInfoKey struct{}

// info returns the request's info; every request passing identify has one.
func info(ctx context.Context) *requestInfo {
	if ri, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
		return ri
	}
	return &requestInfo{}
}

// identify gives the request its request-id, echoes the client-request-id,
// and bounds the request's work by the request timeout. Every answer is
// marked not to be stored by caches (most are one caller's own; the few
// that are not say so themselves) nor sniffed by browsers.
func (s *server) identify(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ri := &requestInfo{id: uuid.NewString()}
		ri.clientID = ri.id
		if v := c.Request().Header.Get("client-request-id"); validClientRequestID(v) {
			ri.clientID = v
		}
		ri.req = c.Request()
		h := c.Response().Header()
		h.Set("request-id", ri.id)
		h.Set("client-request-id", ri.clientID)
		// The values are shared, never changed in place (Set replaces a
		// slice): Header.Set would allocate two per request.
		h["Cache-Control"] = s.noStore
		h["X-Content-Type-Options"] = s.noSniff

		ctx, cancel := context.WithTimeout(context.WithValue(c.Request().Context(), requestInfoKey{}, ri), s.opts.RequestTimeout)
		defer cancel()
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
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

// logRequests writes one JSON log line per request, and its metrics, after
// the error handler has answered, so the status is the one the caller saw.
func (s *server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		req, res := c.Request(), c.Response()
		op := s.operation(c)
		elapsed := time.Since(start)
		s.metrics.requests.WithLabelValues(op, strconv.Itoa(res.Status)).Inc()
		s.metrics.duration.WithLabelValues(op).Observe(elapsed.Seconds())
		level := slog.LevelInfo
		if res.Status >= 500 {
			level = slog.LevelError
		}
		s.log.LogAttrs(req.Context(), level, "request",
			slog.String("request_id", info(req.Context()).id),
			slog.String("method", req.Method),
			slog.String("path", req.URL.Path),
			slog.Int("status", res.Status),
			slog.Int64("bytes", res.Size),
			slog.String("operation", op),
			slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
			slog.String("remote", req.RemoteAddr),
		)
		return nil
	}
}

// recoverPanics turns a panic into an error, so it gets a logged 500
// instead of a dropped connection.
func (s *server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				err = &panicError{value: r}
			}
		}()
		return next(c)
	}
}

type panicError struct{ value any }

func (p *panicError) Error() string { return "panic: " + slog.AnyValue(p.value).String() }

// screen refuses what no operation may take, before anything depends on
// the route: header fields larger than the limit (431), and a query string
// that does not parse (400: a raw ';', a bad '%' escape, too many
// parameters), of which Go's parser would drop the offending pair without
// a word, when an option the service cannot honour is a 400, never
// silently ignored. (One middleware, not two: Echo wraps each middleware
// anew for every request.)
func (s *server) screen(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
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
		return next(c)
	}
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

// checkQuery refuses query parameters the operation does not declare, and
// repeated ones: an option the service cannot honour is a 400, never
// silently ignored (the validator checks only the declared ones).
func (s *server) checkQuery(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		rt, ok := s.routes[c.Request().Method+" "+c.Path()]
		if !ok {
			return next(c)
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
		return next(c)
	}
}

// readBody reads the request body once, bounded: a declared length over
// the limit is a 413 without reading, an undeclared one is cut off at the
// limit. A JSON body must be one well-formed JSON value in valid UTF-8:
// encoding/json (and so the validator) would otherwise ignore trailing data
// and quietly replace invalid bytes. A body sent to an operation that takes
// none is left unread, as HTTP allows, so it cannot be a 413 or a 400 the
// operation does not declare.
func (s *server) readBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.Body == nil || req.Body == http.NoBody || !s.routes[req.Method+" "+c.Path()].body {
			return next(c)
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
		if len(data) > 0 && isJSON(req.Header.Get("Content-Type")) {
			if err := checkJSON(data); err != nil {
				return err
			}
		}
		req.ContentLength = int64(len(data))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
		req.Body, _ = req.GetBody()
		return next(c)
	}
}

// refuseBody is the 413 for a body over limit, which reads no more of it:
// the connection is closed after the answer (the rest of the body would come
// next on it), and reading from it stops now. Otherwise net/http would read
// up to 256 KiB more of the body, before answering and again before closing,
// waiting on a sender that may never send it.
func refuseBody(c echo.Context, limit int64) error {
	c.Response().Header().Set("Connection", "close")
	// It fails only without a connection under the response (a recorder).
	_ = http.NewResponseController(c.Response()).SetReadDeadline(time.Now())
	return &http.MaxBytesError{Limit: limit}
}

func isJSON(contentType string) bool {
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
