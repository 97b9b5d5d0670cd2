// Package retryafter reads an HTTP Retry-After field, for the Go client's
// retries and the notifier's deliveries alike. It imports only the
// standard library, so the client may use it (see client/deps_test.go).
package retryafter

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Max is the longest wait a field may ask for; a longer one is cut to it.
const Max = 24 * time.Hour

// Parse reads v, the value of a Retry-After field, at now: seconds, or an
// HTTP date (a date in the past asks for no wait). ok is false when v is
// absent or cannot be read (a negative number, a fraction, anything else).
func Parse(v string, now time.Time) (wait time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s < 0 {
			return 0, false
		}
		return time.Duration(min(s, int64(Max/time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
