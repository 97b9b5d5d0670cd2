package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/jwtauth"
	"github.com/graph-linkedin/invitations/memory"
	"github.com/graph-linkedin/invitations/server"
)

// BenchmarkHandler measures the whole handler, in process, over the
// in-memory store: what a request costs the HTTP layer before any database,
// in time and in allocations per request (the before and after of issue
// 13's redesign). It is configured as invitationsd's HTTP layer is in the
// wrk harness: a cached HS256 token, validation, request ids, the JSON
// access log (to io.Discard), metrics in a registry, the default limits,
// throttling on at a rate it never reaches. For profiling too
// (-cpuprofile, -memprofile); the wrk harness (make bench-http) measures
// throughput against the reference servers.
//
// Besides the time per request, it reports the process's CPU time per
// request (cpu-ns/op, all threads: the garbage collector's share counts):
// on a machine shared with other work the wall time of a request moves
// with the load, its CPU time much less.
//
// Each sub-benchmark has its own store, so none depends on what another
// created: list asks for a page of 50 of the 100 it seeded (so the page
// has a next link; the in-memory store sorts every match, so more would
// measure the store more than the handler).
//
// Tracing is off (no Options.TracerProvider) but in create-traced and
// get-traced, which are create and get with tracing on, as invitationsd
// has it with OTEL_TRACES_EXPORTER=otlp: the SDK's provider, every span
// sampled, a batch span processor, an exporter that discards what it is
// given; each request carries a sampled traceparent, so its spans are
// recorded. Compare them with create and get: their cost.
func BenchmarkHandler(b *testing.B) {
	// A create names a new invitee each time, and with a key a new
	// Idempotency-Key.
	creates := func(keyed, traced bool) func(b *testing.B) {
		return func(b *testing.B) {
			serve, _ := benchHandler(b, 0, traced)
			b.ReportAllocs()
			defer reportCPU(b)()
			i := 0
			for b.Loop() {
				i++
				req := newRequest(http.MethodPost, "/v1.0/linkedIn/invitations", fmt.Sprintf(`{"invitee":"urn:li:person:b%d"}`, i))
				if keyed {
					req.Header.Set("Idempotency-Key", "key-"+strconv.Itoa(i))
				}
				if rec := serve(req); rec.Code != http.StatusCreated {
					b.Fatalf("create (keyed %v): %d %s", keyed, rec.Code, rec.Body)
				}
			}
		}
	}
	gets := func(traced bool) func(b *testing.B) {
		return func(b *testing.B) {
			serve, id := benchHandler(b, 1, traced)
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				if rec := serve(newRequest(http.MethodGet, "/v1.0/linkedIn/invitations/"+id, "")); rec.Code != http.StatusOK {
					b.Fatalf("get: %d %s", rec.Code, rec.Body)
				}
			}
		}
	}
	b.Run("create", creates(false, false))
	b.Run("create-traced", creates(false, true))
	b.Run("create-keyed", creates(true, false))
	b.Run("get", gets(false))
	b.Run("get-traced", gets(true))
	b.Run("list", func(b *testing.B) {
		serve, _ := benchHandler(b, 100, false)
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			if rec := serve(newRequest(http.MethodGet, "/v1.0/linkedIn/invitations?$top=50", "")); rec.Code != http.StatusOK {
				b.Fatalf("list: %d %s", rec.Code, rec.Body)
			}
		}
	})
}

// reportCPU starts counting the process's CPU time; the function it returns
// reports it per request (call it when the loop is done).
func reportCPU(b *testing.B) func() {
	start := cpuTime(b)
	return func() {
		if used := cpuTime(b) - start; used > 0 && b.N > 0 {
			b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
		}
	}
}

// benchHandler builds the handler over a fresh in-memory store holding
// seeds invitations, and returns a function that serves a request with
// the token of the one caller, and the id of the last invitation seeded.
// traced turns tracing on (see BenchmarkHandler).
func benchHandler(b *testing.B, seeds int, traced bool) (serve func(*http.Request) *httptest.ResponseRecorder, id string) {
	b.Helper()
	h, token, traceparent := benchServer(b, traced)
	serve = func(req *http.Request) *httptest.ResponseRecorder {
		req.Header.Set("Authorization", token)
		if traceparent != "" {
			req.Header.Set("Traceparent", traceparent)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	for i := range seeds {
		created := serve(newRequest(http.MethodPost, "/v1.0/linkedIn/invitations", fmt.Sprintf(`{"invitee":"urn:li:person:seed%d"}`, i)))
		if created.Code != http.StatusCreated {
			b.Fatalf("seed: %d %s", created.Code, created.Body)
		}
		id = strings.TrimPrefix(created.Header().Get("Location"), "/v1.0/linkedIn/invitations/")
	}
	return serve, id
}

// benchServer is the handler BenchmarkHandler measures, the Authorization
// header field's value its requests carry, and, when traced, their
// traceparent.
func benchServer(b *testing.B, traced bool) (h http.Handler, authorization, traceparent string) {
	b.Helper()
	opts := server.Options{
		AccessLog: io.Discard, // formatted, as invitationsd's
		Verifier:  jwtauth.NewHS256(testKey, jwtauth.DevIssuer, jwtauth.DevAudience),
		Throttle:  server.Throttle{Rate: 1e6, Burst: 1e6},
		Overload:  server.Overload{InFlight: 64, Queue: 256},
		Metrics:   prometheus.NewRegistry(),
	}
	if traced {
		var exported atomic.Int64
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(discard{&exported}))
		b.Cleanup(func() {
			if err := tp.Shutdown(context.Background()); err != nil {
				b.Error(err)
			}
			if exported.Load() == 0 {
				b.Error("no span was exported")
			}
		})
		opts.TracerProvider = tp
		traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	}
	h, err := server.New(memory.New(nil), slog.New(slog.NewJSONHandler(io.Discard, nil)), opts)
	if err != nil {
		b.Fatal(err)
	}
	return h, "Bearer " + delegated(b, tenantA, alice, invitations.PermReadWrite), traceparent
}

// BenchmarkServe is BenchmarkHandler's create and get through a real
// net/http server, over loopback, from a client on one kept-alive
// connection: it counts what the ResponseRecorder leaves out, net/http's
// own work per request (parsing the request, copying the header fields at
// WriteHeader, sorting and writing them, the connection's reads and
// writes). Its cpu-ns/op includes the client's CPU, which is the same for
// any build of the server: compare builds by the difference.
func BenchmarkServe(b *testing.B) {
	run := func(b *testing.B, create bool) {
		h, token, _ := benchServer(b, false)
		srv := httptest.NewServer(h)
		defer srv.Close()
		client := srv.Client()
		url := srv.URL + "/v1.0/linkedIn/invitations"
		send := func(req *http.Request, want int) *http.Response {
			req.Header.Set("Authorization", token)
			res, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, res.Body); err != nil {
				b.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != want {
				b.Fatalf("%s %s: %d; want %d", req.Method, req.URL, res.StatusCode, want)
			}
			return res
		}
		post := func(i int) *http.Request {
			req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(fmt.Sprintf(`{"invitee":"urn:li:person:b%d"}`, i)))
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			return req
		}
		target := srv.URL + send(post(0), http.StatusCreated).Header.Get("Location")
		b.ReportAllocs()
		defer reportCPU(b)()
		i := 0
		for b.Loop() {
			i++
			if create {
				send(post(i), http.StatusCreated)
				continue
			}
			req, err := http.NewRequest(http.MethodGet, target, nil)
			if err != nil {
				b.Fatal(err)
			}
			send(req, http.StatusOK)
		}
	}
	b.Run("create", func(b *testing.B) { run(b, true) })
	b.Run("get", func(b *testing.B) { run(b, false) })
}

func newRequest(method, path, body string) *http.Request {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// discard is a span exporter that counts the spans it is given and drops
// them.
type discard struct{ n *atomic.Int64 }

func (d discard) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	d.n.Add(int64(len(spans)))
	return nil
}

func (discard) Shutdown(context.Context) error { return nil }
