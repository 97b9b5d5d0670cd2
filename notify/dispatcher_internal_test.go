package notify

import (
	"testing"
	"time"
)

// The wait after a failed attempt doubles from MinBackoff up to
// MaxBackoff, and is jittered between half and all of that, so that
// subscribers that failed together are not retried together.
func TestBackoff(t *testing.T) {
	d := &Dispatcher{opts: Options{MinBackoff: time.Second, MaxBackoff: 10 * time.Second}}
	for _, tt := range []struct {
		attempts int
		full     time.Duration
	}{
		{1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {4, 8 * time.Second},
		{5, 10 * time.Second}, {31, 10 * time.Second}, {32, 10 * time.Second}, {1000, 10 * time.Second},
	} {
		waits := map[time.Duration]bool{}
		for range 100 {
			w := d.backoff(tt.attempts)
			if w < tt.full/2 || w > tt.full {
				t.Fatalf("backoff(%d) = %v; want between %v and %v", tt.attempts, w, tt.full/2, tt.full)
			}
			waits[w] = true
		}
		if len(waits) < 2 {
			t.Errorf("backoff(%d) was %v 100 times; want it jittered", tt.attempts, waits)
		}
	}
}
