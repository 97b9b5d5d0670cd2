package jwtauth

import (
	"strings"
	"testing"
)

// A token up to maxKeyBytes is its own key; a longer one is keyed by its
// hash, which no token equals and which differs with any byte.
func TestCacheKey(t *testing.T) {
	short := strings.Repeat("a", maxKeyBytes)
	if got := cacheKey(short); got != short {
		t.Errorf("cacheKey(%d bytes) = %q; want the token", len(short), got)
	}
	long := strings.Repeat("a", maxKeyBytes+1)
	other := strings.Repeat("a", maxKeyBytes) + "b"
	k := cacheKey(long)
	if len(k) != 33 || k[0] != 0 {
		t.Errorf("cacheKey(%d bytes) = %q; want NUL and a SHA-256", len(long), k)
	}
	if k == cacheKey(other) {
		t.Errorf("cacheKey(%q...) = cacheKey(%q...); want them to differ", long[maxKeyBytes-3:], other[maxKeyBytes-3:])
	}
}
