package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/graph-linkedin/invitations/sqlite"
	"github.com/graph-linkedin/invitations/storetest"
)

// BenchmarkCreateParallel is durable creates from many goroutines at once,
// as a busy server makes them: group commit's case.
func BenchmarkCreateParallel(b *testing.B) {
	var batches, writes atomic.Int64
	s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), sqlite.Options{
		OnBatch: func(n int) { batches.Add(1); writes.Add(int64(n)) },
	})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var n atomic.Int64
	b.SetParallelism(16) // 32 goroutines on 2 CPUs, like wrk's 32 connections
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			inv := storetest.Invitation("tenant-1", "urn:li:person:alice", fmt.Sprintf("urn:li:person:p%d", n.Add(1)))
			if _, err := s.CreateInvitation(context.Background(), inv); err != nil {
				b.Error(err)
				return
			}
		}
	})
	if batches.Load() > 0 {
		b.ReportMetric(float64(writes.Load())/float64(batches.Load()), "writes/batch")
	}
}

// storeOfOne is a new store holding one invitation, and its id.
func storeOfOne(b *testing.B) (*sqlite.Store, string) {
	s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	inv, err := s.CreateInvitation(context.Background(), storetest.Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"))
	if err != nil {
		b.Fatal(err)
	}
	return s, inv.ID
}

// BenchmarkGetParallel is reads by id from many goroutines at once.
func BenchmarkGetParallel(b *testing.B) {
	s, id := storeOfOne(b)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Invitation(context.Background(), "tenant-1", id); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkGet is one read by id at a time, with the context a server's
// request gives it (cancellable, with a deadline) and without one
// (context.Background), with allocations per read.
func BenchmarkGet(b *testing.B) {
	s, id := storeOfOne(b)
	for _, request := range []bool{true, false} {
		name := "background"
		if request {
			name = "request"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ctx, cancel := context.Background(), context.CancelFunc(func() {})
				if request {
					ctx, cancel = context.WithTimeout(context.Background(), time.Minute)
				}
				if _, err := s.Invitation(ctx, "tenant-1", id); err != nil {
					b.Fatal(err)
				}
				cancel()
			}
		})
	}
}
