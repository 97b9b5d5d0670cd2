//go:build !unix

package server_test

import (
	"testing"
	"time"
)

// cpuTime is not measured here (see idempotency_bench_test.go's): the
// benchmarks report no CPU time.
func cpuTime(*testing.B) time.Duration { return 0 }
