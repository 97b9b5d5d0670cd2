package notify_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/notify"
	"github.com/graph-linkedin/invitations/storetest"
)

// subscriber answers every request to it, the handshake as it must, and
// keeps each request's traceparent.
type subscriber struct {
	status int // of a POST of notifications

	mu           sync.Mutex
	traceparents []string
}

func (s *subscriber) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	s.mu.Lock()
	s.traceparents = append(s.traceparents, r.Header.Get("traceparent"))
	s.mu.Unlock()
	if token := r.URL.Query().Get("validationToken"); token != "" {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, token)
		return
	}
	w.WriteHeader(s.status)
}

func (s *subscriber) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.traceparents...)
}

func traceparentOf(s sdktrace.ReadOnlySpan) string {
	sc := s.SpanContext()
	return "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-" + sc.TraceFlags().String()
}

func attrOf(s sdktrace.ReadOnlySpan, key attribute.Key) attribute.Value {
	for _, kv := range s.Attributes() {
		if kv.Key == key {
			return kv.Value
		}
	}
	return attribute.Value{}
}

// The handshake is a client span under the caller's, whose traceparent the
// subscriber gets; a refused one is an error.
func TestTraceHandshake(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	c := notify.NewClient(notify.ClientOptions{AllowPrivate: true, Timeout: 5 * time.Second, TracerProvider: tp})
	sub := &subscriber{status: http.StatusAccepted}
	srv := httptest.NewServer(sub)
	t.Cleanup(srv.Close)
	missing := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(missing.Close)

	ctx, parent := tp.Tracer("test").Start(context.Background(), "createSubscription")
	if err := c.Handshake(ctx, "notificationUrl", srv.URL+"/notify"); err != nil {
		t.Fatalf("Handshake: %v", err)
	}
	if err := c.Handshake(ctx, "notificationUrl", missing.URL+"/notify"); err == nil {
		t.Fatal("Handshake with a 404 succeeded")
	}
	parent.End()

	var handshakes []sdktrace.ReadOnlySpan
	for _, s := range spans.Ended() {
		if s.Name() == "notify.handshake" {
			handshakes = append(handshakes, s)
		}
	}
	if len(handshakes) != 2 {
		t.Fatalf("%d handshake spans; want 2", len(handshakes))
	}
	for _, s := range handshakes {
		if s.SpanKind() != trace.SpanKindClient || s.Parent().SpanID() != parent.SpanContext().SpanID() {
			t.Errorf("a handshake span is %s under %s; want a client span under the caller's %s", s.SpanKind(), s.Parent().SpanID(), parent.SpanContext().SpanID())
		}
	}
	ok, refused := handshakes[0], handshakes[1]
	if got := sub.seen(); len(got) != 1 || got[0] != traceparentOf(ok) {
		t.Errorf("the subscriber saw traceparents %q; want the handshake span's %q", got, traceparentOf(ok))
	}
	if ok.Status().Code == codes.Error || attrOf(ok, "http.response.status_code").AsInt64() != 200 {
		t.Errorf("the handshake answered 200 has status %v, code %v; want no error, 200", ok.Status(), attrOf(ok, "http.response.status_code").Emit())
	}
	if refused.Status().Code != codes.Error || attrOf(refused, "http.response.status_code").AsInt64() != 404 {
		t.Errorf("the handshake answered 404 has status %v, code %v; want an error, 404", refused.Status(), attrOf(refused, "http.response.status_code").Emit())
	}
}

// Each POST of notifications is a trace of its own, whose traceparent the
// subscriber gets, with the subscription and the number of notifications;
// a failed one is an error.
func TestTraceDeliveries(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		code   codes.Code
	}{
		{"accepted", http.StatusAccepted, codes.Unset},
		{"refused", http.StatusInternalServerError, codes.Error},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spans := tracetest.NewSpanRecorder()
			tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
			client := notify.NewClient(notify.ClientOptions{AllowPrivate: true, Timeout: 5 * time.Second, TracerProvider: tp})
			sub := &subscriber{status: tc.status}
			srv := httptest.NewServer(sub)
			t.Cleanup(srv.Close)
			var d *notify.Dispatcher
			s := newStore(&d)
			d = start(t, s, notify.Options{Client: client, MinBackoff: time.Hour, MaxBackoff: time.Hour})

			now := time.Now()
			subscription := app.NewSubscription(invitations.Subscription{ChangeTypes: all, NotificationURL: srv.URL + "/notify",
				ClientState: "secret", Expiration: now.Add(time.Hour)}, now)
			if _, err := s.CreateSubscription(context.Background(), subscription); err != nil {
				t.Fatal(err)
			}
			if _, err := s.CreateInvitation(context.Background(), storetest.Invitation("tenant-1", alice.Subject, "urn:li:person:bob")); err != nil {
				t.Fatal(err)
			}
			var delivery sdktrace.ReadOnlySpan
			for deadline := time.Now().Add(wait); delivery == nil && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				for _, s := range spans.Ended() {
					if s.Name() == "notify.deliver" {
						delivery = s
					}
				}
			}
			if delivery == nil {
				t.Fatal("no notify.deliver span")
			}
			if delivery.Parent().IsValid() || delivery.SpanKind() != trace.SpanKindClient {
				t.Errorf("the delivery span is %s under %s; want a client span at the root", delivery.SpanKind(), delivery.Parent().SpanID())
			}
			if got := sub.seen(); len(got) == 0 || got[0] != traceparentOf(delivery) {
				t.Errorf("the subscriber saw traceparents %q; want the delivery span's %q first", got, traceparentOf(delivery))
			}
			u, _ := url.Parse(srv.URL)
			want := map[attribute.Key]string{"invitations.subscription_id": subscription.ID, "messaging.batch.message_count": "1",
				"invitations.notification.lifecycle": "false", "server.address": u.Hostname(), "http.request.method": "POST"}
			for k, v := range want {
				if got := attrOf(delivery, k).Emit(); got != v {
					t.Errorf("the delivery span's %s = %q; want %q", k, got, v)
				}
			}
			if delivery.Status().Code != tc.code || attrOf(delivery, "http.response.status_code").AsInt64() != int64(tc.status) {
				t.Errorf("the delivery answered %d has status %v, code %v; want %v", tc.status, delivery.Status(),
					attrOf(delivery, "http.response.status_code").Emit(), tc.code)
			}
		})
	}
}
