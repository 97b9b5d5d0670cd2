package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// A short soak passes, and reports what make soak records.
func TestShortSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and loads a server process; skipped with -short")
	}
	var out bytes.Buffer
	args := []string{"soak", "-duration", "6s", "-warmup", "2s", "-sample", "1s", "-callers", "4", "-rate", "20",
		"-tolerance", "1", "-server-cpu", ""}
	if err := run(context.Background(), args, &out, &out); err != nil {
		t.Fatalf("run = %v\n%s", err, out.String())
	}
	for _, want := range []string{"0 errors", "resident memory: start", "goroutines of the idle server", "soak: PASS"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
}
