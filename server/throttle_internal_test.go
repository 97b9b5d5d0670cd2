package server

import (
	"strconv"
	"testing"
)

// The RateLimit values built at start-up are those formatRateLimit writes,
// and a request whose value is one of them allocates nothing.
func TestRateLimitState(t *testing.T) {
	f := newRateLimitFields(100, 300)
	if got, want := f.policy, []string{`"default";q=300;w=3`}; len(got) != 1 || got[0] != want[0] {
		t.Errorf("policy = %q; want %q", got, want)
	}
	for _, tt := range []struct{ r, t int }{{0, 1}, {199, 1}, {255, 1}, {256, 1}, {299, 1}, {0, 2}, {5, 100}} {
		want := `"default";r=` + strconv.Itoa(tt.r) + ";t=" + strconv.Itoa(tt.t)
		if got := f.state(tt.r, tt.t); got != want {
			t.Errorf("state(%d, %d) = %q; want %q", tt.r, tt.t, got, want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { f.state(199, 1) }); n != 0 {
		t.Errorf("state(199, 1) allocates %v times; want none", n)
	}
	// A window the bucket would take centuries to fill is still a
	// Structured Field Integer: 15 digits at most.
	if got, want := newRateLimitFields(1e-12, 1<<30).policy[0], `"default";q=1073741824;w=999999999999999`; got != want {
		t.Errorf("policy of a tiny rate = %q; want %q", got, want)
	}
}
