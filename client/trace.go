package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// tracerName names the client's instrumentation in the spans it makes.
const tracerName = "github.com/graph-linkedin/invitations/client"

// WithTracerProvider traces the Client's calls with tp (by default, otel's
// global provider, which does nothing unless the program set one with
// otel.SetTracerProvider). Each call is a span named by its operation in
// openapi.yaml (createInvitation, getInvitation, ...), a child of the span
// in the call's context; each attempt of it, retries included, is a client
// span of its own under it (named by the HTTP method, with
// http.request.resend_count on a retry), whose W3C traceparent the request
// carries, so the service's span of that request is its child. A retry is
// also an event, "retry", on the call's span, with the wait before it.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return optionFunc(func(c *Client) error {
		if tp == nil {
			return errors.New("client: WithTracerProvider(nil)")
		}
		c.tracer = tp.Tracer(tracerName)
		return nil
	})
}

// defaultTracer is the global provider's tracer: it follows the provider
// the program sets, even after New.
func defaultTracer() trace.Tracer { return otel.GetTracerProvider().Tracer(tracerName) }

type operationKey struct{}

// operation marks ctx as the context of a call of the operation id, which
// names the call's span (see send).
func operation(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, operationKey{}, id)
}

// startCall begins the span of a call (all its attempts).
func (c *Client) startCall(req *http.Request) (context.Context, trace.Span) {
	name, _ := req.Context().Value(operationKey{}).(string)
	if name == "" {
		name = req.Method
	}
	return c.tracer.Start(req.Context(), name, trace.WithSpanKind(trace.SpanKindInternal))
}

// endSpan ends a call's or an attempt's span with its answer: an error
// for a failure, or for a status of 400 or more (to a client, its request
// did not succeed).
func endSpan(span trace.Span, res *http.Response, err error) {
	if span.IsRecording() {
		setOutcome(span, res, err)
	}
	span.End()
}

// retrying notes on the call's span that attempt failed and is retried
// after wait.
func retrying(span trace.Span, attempt int, wait time.Duration, res *http.Response, err error) {
	if !span.IsRecording() {
		return
	}
	attrs := []attribute.KeyValue{attribute.Int("attempt", attempt), attribute.Float64("wait_seconds", wait.Seconds())}
	if res != nil {
		attrs = append(attrs, attribute.Int("http.response.status_code", res.StatusCode))
	}
	if err != nil {
		attrs = append(attrs, attribute.String("error.type", errorType(err)))
	}
	span.AddEvent("retry", trace.WithAttributes(attrs...))
}

// startAttempt begins the client span of one attempt (1 for the first)
// of req, to be sent with the context it returns; inject then puts its
// traceparent in the attempt's request.
func (c *Client) startAttempt(ctx context.Context, req *http.Request, attempt int) (context.Context, trace.Span) {
	ctx, span := c.tracer.Start(ctx, req.Method, trace.WithSpanKind(trace.SpanKindClient))
	if span.IsRecording() {
		attrs := []attribute.KeyValue{
			attribute.String("http.request.method", req.Method),
			attribute.String("url.full", req.URL.Redacted()),
			attribute.String("server.address", req.URL.Hostname()),
		}
		if port := req.URL.Port(); port != "" {
			if p, err := strconv.Atoi(port); err == nil {
				attrs = append(attrs, attribute.Int("server.port", p))
			}
		}
		if attempt > 1 {
			attrs = append(attrs, attribute.Int("http.request.resend_count", attempt-1))
		}
		span.SetAttributes(attrs...)
	}
	return ctx, span
}

// inject writes the W3C traceparent of ctx's span into r's header fields.
func inject(ctx context.Context, r *http.Request) {
	propagation.TraceContext{}.Inject(ctx, propagation.HeaderCarrier(r.Header))
}

// setOutcome records an answer on span: its status, and for a failure or
// a status of 400 or more, error.type and an error status.
func setOutcome(span trace.Span, res *http.Response, err error) {
	if err != nil {
		span.SetAttributes(attribute.String("error.type", errorType(err)))
		span.SetStatus(codes.Error, err.Error())
		return
	}
	if res == nil {
		return
	}
	span.SetAttributes(attribute.Int("http.response.status_code", res.StatusCode))
	if res.StatusCode >= 400 {
		span.SetAttributes(attribute.String("error.type", strconv.Itoa(res.StatusCode)))
		span.SetStatus(codes.Error, http.StatusText(res.StatusCode))
	}
}

// errorType is the error.type of a failure to get an answer.
func errorType(err error) string {
	var op *net.OpError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.As(err, &op):
		return fmt.Sprintf("%T", op.Err)
	}
	return "_OTHER"
}
