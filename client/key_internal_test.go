package client

import (
	"regexp"
	"testing"
	"time"
)

// The Idempotency-Keys the client makes are version 7 UUIDs, lowercase,
// their time in their first 48 bits, ordered by it, and never alike.
func TestNewKey(t *testing.T) {
	form := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	at := time.Date(2026, 11, 26, 17, 0, 0, 123e6, time.UTC)
	seen := map[string]bool{}
	for range 1000 {
		k := newKey(at)
		if !form.MatchString(k) {
			t.Fatalf("newKey = %q; want a lowercase version 7 UUID", k)
		}
		if want := "01a218cc-bafb-"; k[:14] != want { // 1795712400123 ms, in hex
			t.Fatalf("newKey(%v) = %q; want it to start with %s, its time", at, k, want)
		}
		if seen[k] {
			t.Fatalf("newKey made %q twice", k)
		}
		seen[k] = true
	}
	if a, b := newKey(at), newKey(at.Add(time.Millisecond)); a >= b {
		t.Errorf("newKey a millisecond apart = %q, %q; want them in that order", a, b)
	}
}
