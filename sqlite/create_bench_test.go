package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/graph-linkedin/invitations"
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

// BenchmarkCreateNotifications is what change notifications cost a durable
// create: the same parallel creates with no subscription, and with one
// application subscription to the tenant, so that each create also queues
// a notification in its transaction (no dispatcher runs: the cost measured
// is the write's). Compare the two sub-benchmarks of one run.
func BenchmarkCreateNotifications(b *testing.B) {
	for _, subscriptions := range []int{0, 1} {
		b.Run(fmt.Sprintf("subscriptions=%d", subscriptions), func(b *testing.B) {
			var queued atomic.Int64
			s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), sqlite.Options{
				OnQueued: func(n int) { queued.Add(int64(n)) },
			})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			app := invitations.Caller{Tenant: "tenant-1", Subject: "app", Roles: []string{invitations.PermReadAll}}
			for range subscriptions {
				now := time.Now()
				sub := app.NewSubscription(invitations.Subscription{ChangeTypes: invitations.ChangeCreated,
					NotificationURL: "https://receiver.example/notify", Expiration: now.Add(time.Hour)}, now)
				if _, err := s.CreateSubscription(context.Background(), sub); err != nil {
					b.Fatal(err)
				}
			}
			var n atomic.Int64
			b.SetParallelism(16)
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
			b.StopTimer()
			if got, want := queued.Load(), int64(subscriptions)*n.Load(); got != want {
				b.Errorf("%d notifications queued for %d creates and %d subscriptions; want %d", got, n.Load(), subscriptions, want)
			}
		})
	}
}

// BenchmarkGetFull is one read by id at a time of an invitation with every
// column set (a message with a template and a body, a tracking id), as the
// harness's gets read: the case of the row's text copied at once.
func BenchmarkGetFull(b *testing.B) {
	s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	in := storetest.Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob")
	in.Message = &invitations.Message{TemplateID: "urn:li:invitationTemplate:1", Body: "Hello, Bob"}
	in.TrackingID = "campaign-2026-11"
	inv, err := s.CreateInvitation(context.Background(), in)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Invitation(context.Background(), "tenant-1", inv.ID); err != nil {
			b.Fatal(err)
		}
	}
}
