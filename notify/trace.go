package notify

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/graph-linkedin/invitations"
)

// tracerName names the package's instrumentation in the spans it makes.
const tracerName = "github.com/graph-linkedin/invitations/notify"

// Attributes of the service's own.
const (
	subscriptionIDKey = attribute.Key("invitations.subscription_id")
	lifecycleKey      = attribute.Key("invitations.notification.lifecycle")
)

// startSpan begins the client span of a request to a subscriber at u,
// named name, when the Client traces (ClientOptions.TracerProvider); the
// span is nil when it does not.
func (c *Client) startSpan(ctx context.Context, name string, u *url.URL, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	if c.tracer == nil {
		return ctx, nil
	}
	attrs = append(attrs, semconv.HTTPRequestMethodKey.String(http.MethodPost), semconv.ServerAddress(u.Hostname()))
	if port, err := strconv.Atoi(u.Port()); err == nil {
		attrs = append(attrs, semconv.ServerPort(port))
	}
	return c.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
}

// inject puts the traceparent of ctx's span, if any, in req: a subscriber
// that traces its requests continues the trace.
func inject(ctx context.Context, req *http.Request) {
	propagation.TraceContext{}.Inject(ctx, propagation.HeaderCarrier(req.Header))
}

// endSpan ends span (nil: not tracing) with the subscriber's answer, status
// (0 for none), and the failure err: an error unless it answered 2xx.
func endSpan(span trace.Span, status int, err error) {
	if span == nil {
		return
	}
	if status != 0 {
		span.SetAttributes(semconv.HTTPResponseStatusCode(status))
	}
	switch {
	case err != nil:
		span.SetAttributes(semconv.ErrorTypeKey.String("_OTHER"))
		span.SetStatus(codes.Error, err.Error())
	case status < 200 || status > 299:
		span.SetAttributes(semconv.ErrorTypeKey.String(strconv.Itoa(status)))
		span.SetStatus(codes.Error, http.StatusText(status))
	}
	span.End()
}

// deliveryAttrs describe a POST of n of dl's notifications.
func deliveryAttrs(dl invitations.Delivery, n int) []attribute.KeyValue {
	return []attribute.KeyValue{subscriptionIDKey.String(dl.Subscription.ID), lifecycleKey.Bool(dl.Removed),
		semconv.MessagingBatchMessageCount(n)}
}
