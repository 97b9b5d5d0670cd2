package main

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The garbage collector's policy. The server's live heap is small (a few
// MiB on SQLite or PostgreSQL) and almost all it allocates dies with its
// request, so with Go's default (GOGC=100: collect when the heap has
// doubled) it collects often: allocation and marking were about 15% of a
// request's CPU (BENCHMARKS.md).
// invitationsd lets the heap grow further between collections
// (-gc-percent, 400 by default) while that stays within a budget
// (-gc-heap-mib): past it, the percentage falls as the live heap grows,
// down to Go's own 100, never lower. A memory limit (debug.SetMemoryLimit)
// would bound the heap instead of the percentage, but a live heap above
// the limit (the in-memory store's, or a surge of connections) then has
// the collector run without pause, up to half the CPU; this policy never
// collects more often than the runtime's default would. The percentage
// is the process's: serve sets it, and gives the previous one back as it
// returns.

// gcInterval is how often the policy looks at the live heap.
const gcInterval = time.Second

// gcPercent is the percentage for a live heap of live bytes: want, unless
// the heap it allows (live × (1 + percent/100)) would pass budget bytes;
// then the one that reaches budget, and at least 100.
func gcPercent(want int, live, budget uint64) int {
	if want <= 100 || live == 0 {
		return want
	}
	fits := float64(budget)/float64(live)*100 - 100 // may pass any int: bounded before the conversion
	return max(100, int(min(fits, float64(want))))
}

// tuneGC applies the policy until ctx ends, then gives the runtime its
// percentage back. A percent of 0 leaves the runtime's (GOGC) alone.
func tuneGC(ctx context.Context, percent int, budget uint64) {
	if percent == 0 {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	live := func() uint64 {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return sample[0].Value.Uint64()
	}
	current := gcPercent(percent, live(), budget)
	previous := debug.SetGCPercent(current)
	defer debug.SetGCPercent(previous)
	t := time.NewTicker(gcInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if p := gcPercent(percent, live(), budget); p != current {
				current = p
				debug.SetGCPercent(p)
			}
		}
	}
}
