package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"
)

// validationOptions are the options every request is validated with.
func validationOptions() *openapi3filter.Options {
	return &openapi3filter.Options{
		// Read-only properties in a body are ignored, as OData says.
		ExcludeReadOnlyValidations: true,
		// Hand the decoded body on: the generated handler binds it instead
		// of decoding the JSON a second time.
		KeepValidatedValue: true,
		// Patterns by compilePattern, given as a schema option: every check
		// reads those (parameters, bodies, responses), where
		// ValidateParameter ignores RegexCompiler (kin-openapi v0.153.0).
		SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.SetSchemaRegexCompiler(compilePattern)},
	}
}

// validate enforces openapi.yaml on a request of the operation rt: its
// parameters and its body, with kin-openapi's openapi3filter, as
// openapi3filter.ValidateRequest would (same checks, same order, same
// errors), given only what it needs: the operation comes from Echo's own
// route match (not a second, gorilla/mux router, as in
// github.com/oapi-codegen/echo-middleware); the security check (which
// reads the body once more) is authenticate's, done already; an absent
// parameter that is neither required nor defaulted is not decoded, as
// there is nothing to check; the query string is the one Echo has parsed;
// a body sent as application/json is checked from what readBody read, and
// decoded once (see jsonBody).
func (s *server) validate(c echo.Context, ri *requestInfo, rt *route) error {
	req := c.Request()
	ctx := req.Context()
	in := &ri.validation
	*in = openapi3filter.RequestValidationInput{Request: req, Route: rt.op, Options: s.validation}
	if len(rt.query) > 0 {
		// Echo's parse, cached before kin-openapi writes a default into
		// the query string ($top): the handler binds the options as they
		// were sent.
		in.QueryParams = c.QueryParams()
	}
	for _, p := range rt.params {
		if p.optional && absent(c, p) {
			continue
		}
		if p.In == openapi3.ParameterInPath && in.PathParams == nil {
			in.PathParams = pathParams(c)
		}
		if err := openapi3filter.ValidateParameter(ctx, in, p.Parameter); err != nil {
			return err
		}
	}
	if body := rt.op.Operation.RequestBody; body != nil {
		if ri.json != nil { // readBody sets it only where rt.jsonBody is set
			return rt.jsonBody.validate(in, ri.json)
		}
		return openapi3filter.ValidateRequestBody(ctx, in, body.Value)
	}
	return nil
}

// absent reports whether the request lacks the parameter p, as
// kin-openapi's decoders tell.
func absent(c echo.Context, p param) bool {
	switch p.In {
	case openapi3.ParameterInHeader:
		_, ok := c.Request().Header[p.header]
		return !ok
	case openapi3.ParameterInQuery:
		_, ok := c.QueryParams()[p.Name]
		return !ok
	}
	return false
}

// pathParams are the request's path parameters, by name, as Echo matched
// them.
func pathParams(c echo.Context) map[string]string {
	names, values := c.ParamNames(), c.ParamValues()
	params := make(map[string]string, len(names))
	for i, name := range names {
		params[name] = values[i]
	}
	return params
}

// checkResponses, with Options.ValidateResponses, tees the response as it
// is written, and returns the function that checks it against openapi.yaml
// once it is (after the error handler): status, headers and body against
// the operation's responses, or, for a request no operation matched, a 4xx
// or 5xx against Graph's error body. A violation does not change the
// response; it is logged at error level with the request id and counted
// in invitations_response_violations_total.
func (s *server) checkResponses(c echo.Context, ri *requestInfo) func() {
	res := c.Response()
	tee := &teeWriter{ResponseWriter: res.Writer}
	res.Writer = tee
	return func() {
		res.Writer = tee.ResponseWriter
		if violation := s.checkResponse(c, ri, tee.body.Bytes()); violation != nil {
			req := c.Request()
			op := "unknown"
			if ri.route != nil {
				op = ri.route.id
			}
			s.metrics.responseViolations.WithLabelValues(op).Inc()
			s.log.LogAttrs(req.Context(), slog.LevelError, "response violates openapi.yaml",
				slog.String("request_id", ri.id),
				slog.String("method", req.Method),
				slog.String("path", req.URL.Path),
				slog.Int("status", res.Status),
				slog.String("operation", op),
				slog.String("error", violation.Error()))
		}
	}
}

// checkResponse reports how the response to c's request breaks the spec.
func (s *server) checkResponse(c echo.Context, ri *requestInfo, body []byte) error {
	req, res := c.Request(), c.Response()
	if res.Header().Get("request-id") == "" {
		return errors.New("no request-id header")
	}
	rt := ri.route
	if rt == nil {
		// Echo's own 404 or 405, or a page outside the contract (/docs):
		// the contract says only that every error is Graph's.
		if res.Status < http.StatusBadRequest || req.Method == http.MethodHead {
			return nil
		}
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			return fmt.Errorf("the error body is not JSON: %w", err)
		}
		return s.errorSchema.VisitJSON(v, openapi3.VisitAsResponse())
	}
	return openapi3filter.ValidateResponse(req.Context(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: pathParams(c), Route: rt.op},
		Status:                 res.Status,
		Header:                 res.Header(),
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, SchemaValidationOptions: s.validation.SchemaValidationOptions},
	})
}

// teeWriter keeps a copy of the response body as it is written.
type teeWriter struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (w *teeWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	w.body.Write(p[:n])
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *teeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
