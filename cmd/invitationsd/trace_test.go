package main

import (
	"compress/gzip"
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/graph-linkedin/invitations/client"
)

// otlpReceiver is an OTLP/HTTP trace receiver, as a collector serves it:
// POST /v1/traces with an ExportTraceServiceRequest in protobuf.
type otlpReceiver struct {
	url string

	mu       sync.Mutex
	requests int
	spans    []*tracepb.Span
	resource map[string]string // the last batch's resource attributes
}

func startReceiver(t *testing.T) *otlpReceiver {
	t.Helper()
	r := &otlpReceiver{}
	srv := httptest.NewServer(http.HandlerFunc(r.serve(t)))
	t.Cleanup(srv.Close)
	r.url = srv.URL
	return r
}

func (r *otlpReceiver) serve(t *testing.T) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost || req.URL.Path != "/v1/traces" || req.Header.Get("Content-Type") != "application/x-protobuf" {
			t.Errorf("the receiver got %s %s (%s); want POST /v1/traces in protobuf", req.Method, req.URL.Path, req.Header.Get("Content-Type"))
			http.Error(w, "not here", http.StatusNotFound)
			return
		}
		var body io.Reader = req.Body
		if req.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(req.Body)
			if err != nil {
				t.Errorf("the receiver: %v", err)
				return
			}
			body = zr
		}
		data, err := io.ReadAll(body)
		if err != nil {
			t.Errorf("the receiver: %v", err)
			return
		}
		var export coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(data, &export); err != nil {
			t.Errorf("the receiver: decoding the export: %v", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.requests++
		for _, rs := range export.ResourceSpans {
			r.resource = attrs(rs.GetResource().GetAttributes())
			for _, ss := range rs.ScopeSpans {
				r.spans = append(r.spans, ss.Spans...)
			}
		}
		r.mu.Unlock()
		out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}
}

func (r *otlpReceiver) received() (requests int, spans []*tracepb.Span, resource map[string]string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests, r.spans, r.resource
}

// attrs are the string forms of OTLP attributes.
func attrs(kvs []*commonpb.KeyValue) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		switch v := kv.GetValue().GetValue().(type) {
		case *commonpb.AnyValue_StringValue:
			m[kv.Key] = v.StringValue
		case *commonpb.AnyValue_IntValue:
			m[kv.Key] = strconv.FormatInt(v.IntValue, 10)
		}
	}
	return m
}

// findSpan returns the one exported span named name whose parent is
// parent (an 8-byte span id), failing the test unless there is exactly one.
func findSpan(t *testing.T, spans []*tracepb.Span, name string, kind tracepb.Span_SpanKind, parent []byte) *tracepb.Span {
	t.Helper()
	var found []*tracepb.Span
	for _, s := range spans {
		if s.Name == name && s.Kind == kind && string(s.ParentSpanId) == string(parent) {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		var names []string
		for _, s := range spans {
			names = append(names, s.Name+"("+hex.EncodeToString(s.SpanId)+" under "+hex.EncodeToString(s.ParentSpanId)+")")
		}
		t.Fatalf("%d %s spans named %q under %x; want 1; exported: %s", len(found), kind, name, parent, strings.Join(names, ", "))
	}
	return found[0]
}

func env(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

// With an OTLP endpoint in the environment, invitationsd exports its spans
// there: the Go client's call and attempt spans, the server's span of each
// request as the attempt's child (one trace), the store's spans as the
// server span's children; and it continues a traceparent sent by hand, as
// curl would send it. The spans are flushed by the graceful shutdown.
func TestTracesExported(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	receiver := startReceiver(t)
	keyFile := filepath.Join(dir, "dev-jwt.key")
	addr, stop := startRunEnv(t, env(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url}),
		"-addr", "127.0.0.1:0", "-db", filepath.Join(dir, "invitations.db"), "-dev-key-file", keyFile)
	tok := token(t, keyFile, "urn:li:person:A1iceX9")

	// The Go client, with an SDK provider of its own.
	clientSpans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(clientSpans))
	c, err := client.New("http://"+addr+"/v1.0", client.WithToken(tok), client.WithTracerProvider(tp))
	if err != nil {
		t.Fatal(err)
	}
	inv, err := c.CreateInvitation(ctx, client.NewInvitation{Invitee: "urn:li:person:B0bY7z"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetInvitation(ctx, inv.ID); err != nil {
		t.Fatal(err)
	}

	// A traceparent as curl -H would send it.
	const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/v1.0/linkedIn/invitations/"+inv.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("traceparent", "00-"+traceID+"-"+parentID+"-01")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET with a traceparent: %d; want 200", res.StatusCode)
	}
	curlRequestID := res.Header.Get("Request-Id")

	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
	_, spans, resource := receiver.received()
	if resource["service.name"] != "invitationsd" || resource["service.version"] == "" {
		t.Errorf("the resource is %v; want service.name invitationsd and a service.version", resource)
	}

	// Each client call: its span, its attempt's span, the server's, the
	// store's.
	attempt := func(op string) trace.SpanContext {
		t.Helper()
		var call, att sdktrace.ReadOnlySpan
		for _, s := range clientSpans.Ended() {
			if s.Name() == op && s.SpanKind() == trace.SpanKindInternal {
				call = s
			}
		}
		if call == nil {
			t.Fatalf("the client made no span %q", op)
		}
		for _, s := range clientSpans.Ended() {
			if s.SpanKind() == trace.SpanKindClient && s.Parent().SpanID() == call.SpanContext().SpanID() {
				att = s
			}
		}
		if att == nil {
			t.Fatalf("the client's span %q has no attempt", op)
		}
		return att.SpanContext()
	}
	for _, tc := range []struct {
		op, method, route, status, store string
	}{
		{"createInvitation", "POST", "/v1.0/linkedIn/invitations", "201", "store.CreateInvitationIdempotent"},
		{"getInvitation", "GET", "/v1.0/linkedIn/invitations/{id}", "200", "store.Invitation"},
	} {
		sc := attempt(tc.op)
		id := sc.SpanID()
		srv := findSpan(t, spans, tc.op, tracepb.Span_SPAN_KIND_SERVER, id[:])
		tid := sc.TraceID()
		if string(srv.TraceId) != string(tid[:]) {
			t.Errorf("%s: the server span's trace is %x; want the client's %s", tc.op, srv.TraceId, sc.TraceID())
		}
		a := attrs(srv.Attributes)
		if a["http.request.method"] != tc.method || a["http.route"] != tc.route || a["http.response.status_code"] != tc.status ||
			a["invitations.request_id"] == "" {
			t.Errorf("%s: the server span's attributes are %v; want method %s, route %s, status %s, a request id",
				tc.op, a, tc.method, tc.route, tc.status)
		}
		store := findSpan(t, spans, tc.store, tracepb.Span_SPAN_KIND_INTERNAL, srv.SpanId)
		if string(store.TraceId) != string(srv.TraceId) {
			t.Errorf("%s: the store span's trace is %x; want %x", tc.op, store.TraceId, srv.TraceId)
		}
		if store.GetStatus().GetCode() == tracepb.Status_STATUS_CODE_ERROR {
			t.Errorf("%s: the store span's status is %v; want no error", tc.op, store.Status)
		}
	}

	// The request with curl's traceparent.
	parent, _ := hex.DecodeString(parentID)
	srv := findSpan(t, spans, "getInvitation", tracepb.Span_SPAN_KIND_SERVER, parent)
	if got := hex.EncodeToString(srv.TraceId); got != traceID {
		t.Errorf("the server span of the request with a traceparent is in trace %s; want %s", got, traceID)
	}
	if got := attrs(srv.Attributes)["invitations.request_id"]; got != curlRequestID || got == "" {
		t.Errorf("its invitations.request_id is %q; want the Request-Id answered, %q", got, curlRequestID)
	}
	findSpan(t, spans, "store.Invitation", tracepb.Span_SPAN_KIND_INTERNAL, srv.SpanId)
}

// Without an exporter asked for, nothing is traced, let alone exported:
// OTEL_TRACES_EXPORTER=none wins over an endpoint, and so does
// OTEL_SDK_DISABLED.
func TestTracesOff(t *testing.T) {
	for name, vars := range map[string]map[string]string{
		"none":     {"OTEL_TRACES_EXPORTER": "none"},
		"disabled": {"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			receiver := startReceiver(t)
			vars["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.url
			keyFile := filepath.Join(dir, "dev-jwt.key")
			addr, stop := startRunEnv(t, env(vars), "-addr", "127.0.0.1:0", "-db", "memory:", "-dev-key-file", keyFile)
			req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/v1.0/linkedIn/invitations", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+token(t, keyFile, "urn:li:person:A1iceX9"))
			req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("list: %d; want 200", res.StatusCode)
			}
			if err := stop(); err != nil {
				t.Fatalf("run: %v", err)
			}
			if n, spans, _ := receiver.received(); n != 0 || len(spans) != 0 {
				t.Errorf("the receiver got %d exports of %d spans; want none", n, len(spans))
			}
		})
	}
}
