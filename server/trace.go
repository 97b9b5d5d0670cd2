package server

import (
	"context"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// tracerName names the server's instrumentation in the spans it makes.
const tracerName = "github.com/graph-linkedin/invitations/server"

// Attributes of the service's own, beside the semantic conventions'.
const (
	requestIDKey       = attribute.Key("invitations.request_id")
	clientRequestIDKey = attribute.Key("invitations.client_request_id")
)

// tracing makes the request's span (see enter) and continues the caller's
// trace from its W3C traceparent. The server holds one only when
// Options.TracerProvider is set: without one, the request path pays a nil
// check, not a no-op span's context and allocations.
type tracing struct {
	tracer      trace.Tracer
	propagation propagation.TraceContext
	// The span kinds, as options made once (each would allocate).
	serverKind, internalKind trace.SpanStartOption
}

func newTracing(tp trace.TracerProvider) *tracing {
	return &tracing{tracer: tp.Tracer(tracerName),
		serverKind: trace.WithSpanKind(trace.SpanKindServer), internalKind: trace.WithSpanKind(trace.SpanKindInternal)}
}

// start begins the request req's server span, as a child of the caller's
// span when its traceparent names one, and returns ctx (the request's
// context to be) with it, so that the store calls' spans are its children
// (see call).
func (t *tracing) start(ctx context.Context, req *http.Request, ri *requestInfo) context.Context {
	ctx = t.propagation.Extract(ctx, propagation.HeaderCarrier(req.Header))
	attrs := make([]attribute.KeyValue, 0, 6)
	var name string
	if rt := ri.route; rt != nil {
		name = rt.id
		attrs = append(attrs, semconv.HTTPRequestMethodKey.String(rt.method), semconv.HTTPRouteKey.String(rt.template))
	} else {
		name = knownMethod(req.Method)
		attrs = append(attrs, semconv.HTTPRequestMethodKey.String(name))
	}
	scheme := "http"
	if req.TLS != nil {
		scheme = "https"
	}
	attrs = append(attrs, semconv.URLPath(req.URL.Path), semconv.URLScheme(scheme), requestIDKey.String(ri.id))
	if ri.clientID != ri.id {
		attrs = append(attrs, clientRequestIDKey.String(ri.clientID))
	}
	ctx, ri.span = t.tracer.Start(ctx, name, t.serverKind, trace.WithAttributes(attrs...))
	return ctx
}

// end ends the request's span once the answer is sent, with its status:
// an error for a 5xx (the service's fault), as the semantic conventions
// ask of a server; a 4xx is the caller's, and leaves the span's status
// unset. err is what the request's steps returned.
func (t *tracing) end(c echo.Context, ri *requestInfo, err error) {
	status := c.Response().Status
	ri.span.SetAttributes(semconv.HTTPResponseStatusCode(status))
	if status >= http.StatusInternalServerError {
		ri.span.SetAttributes(semconv.ErrorTypeKey.String(strconv.Itoa(status)))
		msg := http.StatusText(status)
		if err != nil {
			msg = err.Error()
		}
		ri.span.SetStatus(codes.Error, msg)
	}
	ri.span.End()
}

// knownMethod is method, or "_OTHER" for a method HTTP does not define, so
// that a client cannot mint span names.
func knownMethod(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "_OTHER"
}

// startStoreSpan begins the span of a store call named name (see call).
func (t *tracing) startStoreSpan(ctx context.Context, name string) (context.Context, trace.Span) {
	return t.tracer.Start(ctx, name, t.internalKind)
}

// endStoreSpan ends a store call's span with its outcome. A domain answer
// (not found, a conflict, a changed version) is the store doing its job:
// the span says which in error.type and keeps its status unset. Anything
// else, which the caller gets as a 5xx (an unavailable database, a call
// shed or timed out, a driver's failure), is an error.
func endStoreSpan(span trace.Span, err error) {
	if err != nil {
		p := classify(err)
		span.SetAttributes(semconv.ErrorTypeKey.String(string(p.code)))
		if p.status >= http.StatusInternalServerError {
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
		}
	}
	span.End()
}
