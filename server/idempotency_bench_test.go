package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/jwtauth"
	"github.com/graph-linkedin/invitations/server"
	"github.com/graph-linkedin/invitations/sqlite"
)

// BenchmarkCreateDurable is durable creates (SQLite, synchronous=FULL)
// through the whole handler from 32 goroutines at once, without and with an
// Idempotency-Key (which the Go client sends on every create). The two run
// in the same process, one after the other: compare their ns/op (issue 13
// wants keyed at most 1.1 times unkeyed). Each run starts on a new
// database file, so neither pays for a table the other filled.
func BenchmarkCreateDurable(b *testing.B) {
	for _, keyed := range []bool{false, true} {
		name := "unkeyed"
		if keyed {
			name = "keyed"
		}
		b.Run(name, func(b *testing.B) {
			store, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), sqlite.Options{PurgeEvery: -1})
			if err != nil {
				b.Fatal(err)
			}
			defer store.Close()
			h, err := server.New(store, slog.New(slog.NewJSONHandler(io.Discard, nil)), server.Options{
				Verifier: jwtauth.NewHS256(testKey, jwtauth.DevIssuer, jwtauth.DevAudience),
			})
			if err != nil {
				b.Fatal(err)
			}
			token := "Bearer " + delegated(b, tenantA, alice, invitations.PermReadWrite)
			var n atomic.Int64
			b.ReportAllocs()
			b.SetParallelism(16) // 32 goroutines on 2 CPUs, like wrk's 32 connections
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := strconv.FormatInt(n.Add(1), 10)
					req := newRequest(http.MethodPost, "/v1.0/linkedIn/invitations", `{"invitee":"urn:li:person:b`+i+`","trackingId":"t-`+i+`"}`)
					req.Header.Set("Authorization", token)
					if keyed {
						req.Header.Set("Idempotency-Key", "key-"+i)
					}
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != http.StatusCreated {
						b.Errorf("create: %d %s", rec.Code, rec.Body)
						return
					}
				}
			})
		})
	}
}
