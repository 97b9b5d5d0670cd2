package main

import (
	"context"
	"io"
	"runtime/metrics"
	"testing"
	"time"
)

func TestGCPercent(t *testing.T) {
	const mib = 1 << 20
	for _, tt := range []struct {
		name         string
		want         int
		live, budget uint64
		percent      int
	}{
		{"small heap: the percentage asked for", 400, 8 * mib, 64 * mib, 400},
		{"the heap it allows is the budget", 400, 64 * mib / 5, 64 * mib, 400},
		{"past the budget: the percentage that reaches it", 400, 16 * mib, 64 * mib, 300},
		{"further past: lower", 400, 25 * mib, 64 * mib, 156},
		{"half the budget live: Go's default", 400, 32 * mib, 64 * mib, 100},
		{"more live than the budget: never below Go's default", 400, 1024 * mib, 64 * mib, 100},
		{"no collection yet", 400, 0, 64 * mib, 400},
		{"asked for Go's default or less: as asked", 50, 1024 * mib, 64 * mib, 50},
	} {
		if got := gcPercent(tt.want, tt.live, tt.budget); got != tt.percent {
			t.Errorf("%s: gcPercent(%d, %d MiB, %d MiB) = %d; want %d", tt.name, tt.want, tt.live/mib, tt.budget/mib, got, tt.percent)
		}
	}
}

// gogc is the runtime's percentage now.
func gogc() uint64 {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// tuneGC sets the percentage while it runs and gives the runtime's back
// when it ends. (Not parallel: the percentage is the process's.)
func TestTuneGC(t *testing.T) {
	before := gogc()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tuneGC(ctx, 345, 1<<40)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for gogc() != 345 {
		if time.Now().After(deadline) {
			t.Fatalf("GOGC while tuneGC(345) runs = %d; want 345", gogc())
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	if got := gogc(); got != before {
		t.Errorf("GOGC after tuneGC ended = %d; want %d, as before", got, before)
	}

	// 0 leaves the runtime's percentage alone.
	tuneGC(context.Background(), 0, 1<<40)
	if got := gogc(); got != before {
		t.Errorf("GOGC after tuneGC(0) = %d; want %d", got, before)
	}
}

// An operator's GOGC is kept unless invitationsd is given a percentage of
// its own.
func TestGCConfig(t *testing.T) {
	for _, tt := range []struct {
		name    string
		args    []string
		env     map[string]string
		percent int
	}{
		{"default", nil, nil, defaultGCPercent},
		{"GOGC set: the runtime's", nil, map[string]string{"GOGC": "200"}, 0},
		{"GOGC and the variable", nil, map[string]string{"GOGC": "200", "INVITATIONS_GC_PERCENT": "300"}, 300},
		{"GOGC and the flag", []string{"-gc-percent", "250"}, map[string]string{"GOGC": "200"}, 250},
	} {
		cfg, err := parseConfig(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
		if err != nil {
			t.Fatalf("%s: parseConfig: %v", tt.name, err)
		}
		if cfg.gcPercent != tt.percent {
			t.Errorf("%s: gcPercent = %d; want %d", tt.name, cfg.gcPercent, tt.percent)
		}
	}
	for _, args := range [][]string{{"-gc-percent", "-1"}, {"-gc-heap-mib", "0"}} {
		if _, err := parseConfig(args, func(string) string { return "" }, io.Discard); err == nil {
			t.Errorf("parseConfig(%v) = nil error; want one", args)
		}
	}
}
