package server_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/jwtauth"
	"github.com/graph-linkedin/invitations/memory"
	"github.com/graph-linkedin/invitations/server"
)

// BenchmarkHandler measures the HTTP layer alone, in process, over the
// in-memory store: what a request costs before any database. For
// profiling (-cpuprofile, -memprofile); the wrk harness (make bench)
// measures throughput against the baseline.
func BenchmarkHandler(b *testing.B) {
	h, err := server.New(memory.New(nil), slog.New(slog.NewJSONHandler(io.Discard, nil)), server.Options{
		Verifier: jwtauth.NewHS256(testKey, jwtauth.DevIssuer, jwtauth.DevAudience),
	})
	if err != nil {
		b.Fatal(err)
	}
	token := "Bearer " + delegated(b, tenantA, alice, invitations.PermReadWrite)
	serve := func(req *http.Request) *httptest.ResponseRecorder {
		req.Header.Set("Authorization", token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	created := serve(newRequest(http.MethodPost, "/v1.0/linkedIn/invitations", `{"invitee":"urn:li:person:seed"}`))
	if created.Code != http.StatusCreated {
		b.Fatalf("seed: %d %s", created.Code, created.Body)
	}
	id := strings.TrimPrefix(created.Header().Get("Location"), "/v1.0/linkedIn/invitations/")

	b.Run("create", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			rec := serve(newRequest(http.MethodPost, "/v1.0/linkedIn/invitations", fmt.Sprintf(`{"invitee":"urn:li:person:b%d"}`, i)))
			if rec.Code != http.StatusCreated {
				b.Fatalf("create: %d %s", rec.Code, rec.Body)
			}
		}
	})
	b.Run("get", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if rec := serve(newRequest(http.MethodGet, "/v1.0/linkedIn/invitations/"+id, "")); rec.Code != http.StatusOK {
				b.Fatalf("get: %d %s", rec.Code, rec.Body)
			}
		}
	})
}

func newRequest(method, path, body string) *http.Request {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}
