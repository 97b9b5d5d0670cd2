package client_test

import (
	"context"
	"slices"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/graph-linkedin/invitations/client"
	"github.com/graph-linkedin/invitations/server"
	"github.com/graph-linkedin/invitations/sqlite"
)

// spanNamed returns the one ended span named name of kind, failing the
// test unless there is exactly one.
func spanNamed(t *testing.T, spans []sdktrace.ReadOnlySpan, name string, kind trace.SpanKind) sdktrace.ReadOnlySpan {
	t.Helper()
	var found []sdktrace.ReadOnlySpan
	for _, s := range spans {
		if s.Name() == name && s.SpanKind() == kind {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d %s spans named %q; want 1 (of %d spans)", len(found), kind, name, len(spans))
	}
	return found[0]
}

func attr(s sdktrace.ReadOnlySpan, key attribute.Key) (attribute.Value, bool) {
	for _, kv := range s.Attributes() {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

func traceparent(s sdktrace.ReadOnlySpan) string {
	sc := s.SpanContext()
	return "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-" + sc.TraceFlags().String()
}

// A call is a span with a client span per attempt under it, each attempt
// carries its own span's traceparent, and the service's span of the
// attempt that reached it is that attempt's child; the retry is an event.
func TestTraceRetriedCall(t *testing.T) {
	ctx := context.Background()
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	api, _ := startServer(t, sqlite.Options{}, server.Options{TracerProvider: tp})
	inv, err := plainClient(t, api).CreateInvitation(ctx, client.NewInvitation{Inviter: alice, Invitee: bob})
	if err != nil {
		t.Fatal(err)
	}
	f := &flaky{fail: first(1), retryAfter: "0"}
	c := plainClient(t, startFlaky(t, api, f), client.WithTracerProvider(tp))

	// Within a span of the caller's own.
	ctx, parent := tp.Tracer("test").Start(ctx, "caller")
	if _, err := c.GetInvitation(ctx, inv.ID); err != nil {
		t.Fatalf("GetInvitation through a 503: %v", err)
	}
	parent.End()

	ended := spans.Ended()
	call := spanNamed(t, ended, "getInvitation", trace.SpanKindInternal)
	if call.Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Errorf("the call's span's parent is %s; want the caller's span %s", call.Parent().SpanID(), parent.SpanContext().SpanID())
	}
	if call.Status().Code == codes.Error {
		t.Errorf("the call's span's status is %v; want no error", call.Status())
	}
	var attempts []sdktrace.ReadOnlySpan
	for _, s := range ended {
		if s.SpanKind() == trace.SpanKindClient && s.Parent().SpanID() == call.SpanContext().SpanID() {
			attempts = append(attempts, s)
		}
	}
	slices.SortFunc(attempts, func(a, b sdktrace.ReadOnlySpan) int { return a.StartTime().Compare(b.StartTime()) })
	if len(attempts) != 2 {
		t.Fatalf("%d attempt spans under the call's; want 2", len(attempts))
	}
	reqs := f.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests; want 2", len(reqs))
	}
	for i, a := range attempts {
		if got, want := reqs[i].Header.Get("traceparent"), traceparent(a); got != want {
			t.Errorf("attempt %d: traceparent %q; want its span's %q", i+1, got, want)
		}
		if a.Name() != "GET" {
			t.Errorf("attempt %d: span named %q; want GET", i+1, a.Name())
		}
	}
	if v, _ := attr(attempts[0], "http.response.status_code"); v.AsInt64() != 503 || attempts[0].Status().Code != codes.Error {
		t.Errorf("first attempt: status code %v, span status %v; want 503 and an error", v.Emit(), attempts[0].Status())
	}
	if _, ok := attr(attempts[0], "http.request.resend_count"); ok {
		t.Errorf("first attempt has http.request.resend_count; want none")
	}
	if v, _ := attr(attempts[1], "http.request.resend_count"); v.AsInt64() != 1 {
		t.Errorf("second attempt: http.request.resend_count %v; want 1", v.Emit())
	}
	if v, _ := attr(attempts[1], "http.response.status_code"); v.AsInt64() != 200 {
		t.Errorf("second attempt: status code %v; want 200", v.Emit())
	}
	if ev := call.Events(); len(ev) != 1 || ev[0].Name != "retry" {
		t.Errorf("the call's events are %v; want one retry", ev)
	}

	// The service's side, through the proxy.
	srv := spanNamed(t, ended, "getInvitation", trace.SpanKindServer)
	if srv.Parent().SpanID() != attempts[1].SpanContext().SpanID() || !srv.Parent().IsRemote() {
		t.Errorf("the server span's parent is %s (remote %v); want the second attempt's %s",
			srv.Parent().SpanID(), srv.Parent().IsRemote(), attempts[1].SpanContext().SpanID())
	}
	store := spanNamed(t, ended, "store.Invitation", trace.SpanKindInternal)
	if store.Parent().SpanID() != srv.SpanContext().SpanID() {
		t.Errorf("the store span's parent is %s; want the server span %s", store.Parent().SpanID(), srv.SpanContext().SpanID())
	}
	for _, s := range []sdktrace.ReadOnlySpan{call, attempts[0], attempts[1], srv, store} {
		if s.SpanContext().TraceID() != parent.SpanContext().TraceID() {
			t.Errorf("span %s is in trace %s; want the caller's %s", s.Name(), s.SpanContext().TraceID(), parent.SpanContext().TraceID())
		}
	}
}

// Without WithTracerProvider (and no global provider set), the client
// makes no spans of its own but still passes on the caller's trace.
func TestTracePropagatesWithoutProvider(t *testing.T) {
	ctx := context.Background()
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:     trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
		TraceFlags: trace.FlagsSampled,
		Remote:     true,
	})
	c, rec := newClient(t, newServer(t), app(t))
	if _, err := c.CreateInvitation(trace.ContextWithSpanContext(ctx, sc), client.NewInvitation{Inviter: alice, Invitee: bob}); err != nil {
		t.Fatal(err)
	}
	reqs := rec.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests; want 1", len(reqs))
	}
	if got, want := reqs[0].Header.Get("traceparent"), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"; got != want {
		t.Errorf("traceparent %q; want the caller's %q", got, want)
	}

	// And without a trace, none.
	if _, err := c.GetInvitation(ctx, "00000000-0000-0000-0000-000000000000"); err == nil {
		t.Fatal("GetInvitation of no invitation succeeded")
	}
	if got := rec.requests()[1].Header.Get("traceparent"); got != "" {
		t.Errorf("traceparent %q without a trace; want none", got)
	}
}
