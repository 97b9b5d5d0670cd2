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
	}
}

// validate enforces openapi.yaml on every request: its parameters and its
// body, with kin-openapi's openapi3filter. It does what
// github.com/oapi-codegen/echo-middleware does, minus two costs: the
// operation comes from Echo's own route match (not a second, gorilla/mux
// router), and the security check (which reads the body once more) is
// authenticate's, done already. A request Echo could not route passes on
// to Echo's own 404 or 405.
func (s *server) validate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		rt, ok := s.routes[c.Request().Method+" "+c.Path()]
		if !ok {
			return next(c)
		}
		in := &openapi3filter.RequestValidationInput{
			Request:    c.Request(),
			PathParams: pathParams(c),
			Route:      rt.op,
			Options:    s.validation,
		}
		if err := openapi3filter.ValidateRequest(c.Request().Context(), in); err != nil {
			return err
		}
		return next(c)
	}
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

// checkResponses, on with Options.ValidateResponses, checks every response
// against openapi.yaml after it is written (and so after the error handler):
// status, headers and body against the operation's responses, or, for a
// request no operation matched, a 4xx or 5xx against Graph's error body. A
// violation does not change the response; it is logged at error level with
// the request id and counted in invitations_response_violations_total.
func (s *server) checkResponses(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		res := c.Response()
		tee := &teeWriter{ResponseWriter: res.Writer}
		res.Writer = tee
		err := next(c)
		res.Writer = tee.ResponseWriter
		if violation := s.checkResponse(c, tee.body.Bytes()); violation != nil {
			req := c.Request()
			op := s.operation(c)
			s.metrics.responseViolations.WithLabelValues(op).Inc()
			s.log.LogAttrs(req.Context(), slog.LevelError, "response violates openapi.yaml",
				slog.String("request_id", info(req.Context()).id),
				slog.String("method", req.Method),
				slog.String("path", req.URL.Path),
				slog.Int("status", res.Status),
				slog.String("operation", op),
				slog.String("error", violation.Error()))
		}
		return err
	}
}

// checkResponse reports how the response to c's request breaks the spec.
func (s *server) checkResponse(c echo.Context, body []byte) error {
	req, res := c.Request(), c.Response()
	if res.Header().Get("request-id") == "" {
		return errors.New("no request-id header")
	}
	rt, ok := s.routes[req.Method+" "+c.Path()]
	if !ok {
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
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
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
