//go:build linux

package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/sqlite"
	"github.com/graph-linkedin/invitations/storetest"
)

// BenchmarkCreateKeyed is durable creates from 32 goroutines at once, as
// BenchmarkCreateParallel, without and with an Idempotency-Key (a new one
// each: random, version 4, as other clients may send, or time-ordered,
// version 7, as the Go client sends), and reports the bytes the process
// wrote a create (written-B/create: WAL frames, and the checkpoints that
// copy them into the database): the pages a keyed create costs more than
// an unkeyed one, which unlike its time does not move with what else the
// machine runs; and the process's CPU time a create (cpu-ns/create, every
// thread: the writer's and the callers'). Linux only: it reads
// /proc/self/io.
func BenchmarkCreateKeyed(b *testing.B) {
	for _, name := range []string{"unkeyed", "keyed-v4", "keyed-v7"} {
		keyed := name != "unkeyed"
		b.Run(name, func(b *testing.B) {
			s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), sqlite.Options{PurgeEvery: -1})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			var n atomic.Int64
			before, cpuBefore := written(b), cpuTime(b)
			b.SetParallelism(16) // 32 goroutines on 2 CPUs, like wrk's 32 connections
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					inv := storetest.Invitation("tenant-1", "urn:li:person:alice", fmt.Sprintf("urn:li:person:p%d", i))
					if !keyed {
						if _, err := s.CreateInvitation(context.Background(), inv); err != nil {
							b.Error(err)
							return
						}
						continue
					}
					req := invitations.IdempotentRequest{
						Key: invitations.IdempotencyKey{Tenant: "tenant-1", Subject: "urn:li:person:alice",
							Key: newKey(b, name)},
						Operation: invitations.OpCreateInvitation, Fingerprint: "fingerprint-" + strconv.FormatInt(i, 10)}
					if _, err := s.CreateInvitationIdempotent(context.Background(), inv, req); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(written(b)-before)/float64(b.N), "written-B/create")
			b.ReportMetric(float64((cpuTime(b)-cpuBefore).Nanoseconds())/float64(b.N), "cpu-ns/create")
		})
	}
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// written is the bytes the process has written (/proc/self/io's wchar).
func written(b *testing.B) int64 {
	f, err := os.Open("/proc/self/io")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "wchar: "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return n
		}
	}
	b.Fatal("/proc/self/io has no wchar")
	return 0
}

// newKey is a new Idempotency-Key for the benchmark name: a version 7 UUID
// for keyed-v7, else a version 4.
func newKey(b *testing.B, name string) string {
	if name != "keyed-v7" {
		return uuid.NewString()
	}
	k, err := uuid.NewV7()
	if err != nil {
		b.Fatal(err)
	}
	return k.String()
}
