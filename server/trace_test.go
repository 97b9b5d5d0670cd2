package server_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/server"
	"github.com/graph-linkedin/invitations/sqlite"
)

// failingGets is a store whose reads by id fail as a broken database would.
type failingGets struct{ invitations.Store }

func (failingGets) Invitation(context.Context, string, string) (invitations.Invitation, error) {
	return invitations.Invitation{}, errors.New("disk I/O error")
}

func withTracer(tp trace.TracerProvider) envOption {
	return func(o *server.Options) { o.TracerProvider = tp }
}

// spanAttrs are a span's attributes, by key.
func spanAttrs(s sdktrace.ReadOnlySpan) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes() {
		m[kv.Key] = kv.Value
	}
	return m
}

// A span's status says whose fault a failure is: a 4xx (and a store's
// "not found") is the caller's, and leaves it unset; a 5xx, and the store
// failure under it, is an error. Requests no operation matched get a span
// named by the method; the subscriptions' store calls have spans too.
func TestTraceStatus(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	store := openStore(t, sqlite.Options{})
	healthy := newEnvOver(t, store, withTracer(tp))
	broken := newEnvOver(t, failingGets{store}, withTracer(tp))
	token := delegated(t, tenantA, alice, invitations.PermReadWrite)

	if res := healthy.get(token, "00000000-0000-0000-0000-000000000000"); res.StatusCode() != http.StatusNotFound {
		t.Fatalf("get of none: %d; want 404", res.StatusCode())
	}
	if res := broken.get(token, "00000000-0000-0000-0000-000000000000"); res.StatusCode() != http.StatusInternalServerError {
		t.Fatalf("get from a broken store: %d; want 500", res.StatusCode())
	}
	res, err := http.Get(healthy.url + "/nowhere")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	list, err := healthy.client.ListSubscriptionsWithResponse(context.Background(), nil,
		as(application(t, tenantA, invitations.PermReadAll)))
	if err != nil || list.StatusCode() != http.StatusOK {
		t.Fatalf("list of subscriptions: %v, %d", err, list.StatusCode())
	}

	ended := spans.Ended()
	if len(ended) != 7 {
		var names []string
		for _, s := range ended {
			names = append(names, s.Name())
		}
		t.Fatalf("%d spans %v; want 7: two gets and a list, each with its store call, and the unrouted request", len(ended), names)
	}
	byParent := map[trace.SpanID][]sdktrace.ReadOnlySpan{}
	for _, s := range ended {
		byParent[s.Parent().SpanID()] = append(byParent[s.Parent().SpanID()], s)
	}
	type outcome struct {
		name      string
		kind      trace.SpanKind
		status    codes.Code
		errorType string
		httpCode  int64 // server spans
	}
	var got []outcome
	for _, s := range byParent[trace.SpanID{}] { // the server spans, in the order they ended
		a := spanAttrs(s)
		got = append(got, outcome{s.Name(), s.SpanKind(), s.Status().Code, a["error.type"].AsString(),
			a["http.response.status_code"].AsInt64()})
		if a["invitations.request_id"].AsString() == "" {
			t.Errorf("%s: no invitations.request_id", s.Name())
		}
		for _, c := range byParent[s.SpanContext().SpanID()] {
			got = append(got, outcome{c.Name(), c.SpanKind(), c.Status().Code, spanAttrs(c)["error.type"].AsString(), 0})
		}
	}
	want := []outcome{
		{"getInvitation", trace.SpanKindServer, codes.Unset, "", 404},
		{"store.Invitation", trace.SpanKindInternal, codes.Unset, "itemNotFound", 0},
		{"getInvitation", trace.SpanKindServer, codes.Error, "500", 500},
		{"store.Invitation", trace.SpanKindInternal, codes.Error, "internalServerError", 0},
		{"GET", trace.SpanKindServer, codes.Unset, "", 404},
		{"listSubscriptions", trace.SpanKindServer, codes.Unset, "", 200},
		{"store.ListSubscriptions", trace.SpanKindInternal, codes.Unset, "", 0},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(outcome{})); diff != "" {
		t.Errorf("spans (-want +got):\n%s", diff)
	}
	// http.route is the operation's path template from the root, as
	// openapi.yaml writes it; an unrouted request has none.
	routes := map[string]string{"getInvitation": "/v1.0/linkedIn/invitations/{id}", "listSubscriptions": "/v1.0/subscriptions"}
	for _, s := range byParent[trace.SpanID{}] {
		a := spanAttrs(s)
		if s.Name() == "GET" {
			if _, ok := a["http.route"]; ok {
				t.Errorf("the unrouted request's span has an http.route")
			}
			continue
		}
		if got := a["http.route"].AsString(); got != routes[s.Name()] {
			t.Errorf("%s: http.route = %q; want %q", s.Name(), got, routes[s.Name()])
		}
		if got := a["http.request.method"].AsString(); got != http.MethodGet {
			t.Errorf("%s: http.request.method = %q; want GET", s.Name(), got)
		}
	}
}
