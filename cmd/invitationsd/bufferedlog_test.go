package main

import (
	"strings"
	"testing"
	"time"
)

// Buffered lines reach the output on their own within a flush interval, and
// all of them on Close.
func TestBufferedLog(t *testing.T) {
	out := &logBuffer{}
	b := newBufferedLog(out)
	b.Write([]byte("one\n"))
	deadline := time.Now().Add(10 * flushEvery)
	for out.String() != "one\n" && time.Now().Before(deadline) {
		time.Sleep(flushEvery / 10)
	}
	if got := out.String(); got != "one\n" {
		t.Fatalf("after %v: output %q; want the line flushed", 10*flushEvery, got)
	}
	b.Write([]byte("two\n"))
	b.Close()
	if got := out.String(); !strings.HasSuffix(got, "two\n") {
		t.Errorf("after Close: output %q; want every line", got)
	}
}
