package server

import (
	"math"
	"strconv"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"github.com/graph-linkedin/invitations"
)

// Throttle is the per-caller rate limit: a token bucket per tenant and
// subject, in this instance (n instances let a caller through n times as
// fast).
type Throttle struct {
	Rate  float64 // requests per second; 0 turns throttling off
	Burst int     // the bucket's size: requests allowed at once
	// Callers bounds how many callers' buckets are kept (least recently
	// seen ones are forgotten, which only ever lets a caller through).
	Callers int
}

// callerKey is a caller's bucket: its tenant and subject.
type callerKey struct{ tenant, subject string }

// limiters keeps token buckets by key (a caller, a client address), each
// of burst requests refilled at rate a second, in an LRU: least recently
// seen keys are forgotten, which only ever lets someone through.
type limiters[K comparable] struct {
	rate    float64
	burst   int
	buckets *lru.Cache[K, *rate.Limiter]
}

func newLimiters[K comparable](perSecond float64, burst, keys int) (*limiters[K], error) {
	if keys <= 0 {
		keys = 100_000
	}
	if burst <= 0 {
		burst = max(1, int(perSecond))
	}
	buckets, err := lru.New[K, *rate.Limiter](keys)
	if err != nil {
		return nil, err
	}
	return &limiters[K]{rate: perSecond, burst: burst, buckets: buckets}, nil
}

// bucket is key's bucket, made full if key has none.
func (l *limiters[K]) bucket(key K) *rate.Limiter {
	lim, found := l.buckets.Get(key)
	if !found {
		// Two first requests at once must share one bucket.
		lim = rate.NewLimiter(rate.Limit(l.rate), l.burst)
		if prev, raced, _ := l.buckets.PeekOrAdd(key, lim); raced {
			lim = prev
		}
	}
	return lim
}

// take spends one request of key's bucket at now. It returns whether the
// request may go on, the whole requests left, and how long until the bucket
// holds one more whole request than that (rounded up to a second; zero if
// it is full). When refused, that is how long until one request is allowed.
func (l *limiters[K]) take(key K, now time.Time) (ok bool, remaining int, next time.Duration) {
	lim := l.bucket(key)
	ok = lim.AllowN(now, 1)
	tokens := math.Max(0, lim.TokensAt(now))
	whole := math.Floor(tokens)
	if whole >= float64(l.burst) {
		return ok, l.burst, 0
	}
	return ok, int(whole), seconds((whole + 1 - tokens) / l.rate)
}

// spent reports whether key's bucket holds less than one request at now,
// and how long until it holds one, without spending any; a key without a
// bucket has a full one. It takes a read lock and allocates nothing, so it
// can run on every request.
func (l *limiters[K]) spent(key K, now time.Time) (bool, time.Duration) {
	lim, found := l.buckets.Peek(key)
	if !found {
		return false, 0
	}
	if tokens := lim.TokensAt(now); tokens < 1 {
		return true, seconds((1 - tokens) / l.rate)
	}
	return false, 0
}

func seconds(s float64) time.Duration { return time.Duration(math.Ceil(s)) * time.Second }

// throttle applies the caller's rate limit to an authenticated request, and
// tells the caller where it stands in the RateLimit and RateLimit-Policy
// header fields (see rateLimitFields); over the limit it is a 429 with
// Retry-After.
func (s *server) throttle(c echo.Context, ri *requestInfo) error {
	caller := ri.caller
	if s.limits == nil || caller.Subject == "" {
		return nil
	}
	ok, remaining, next := s.limits.take(callerKey{caller.Tenant, caller.Subject}, ri.now)
	t := int(next / time.Second)
	// Set under their canonical names: Header.Set would canonicalize them
	// anew for every request.
	h := c.Response().Header()
	h["Ratelimit-Policy"] = s.rate.policy // shared, never changed in place
	ri.rateLimit[0] = s.rate.state(remaining, t)
	h["Ratelimit"] = ri.rateLimit[:]
	if !ok {
		s.metrics.throttled.Inc()
		// The draft: Retry-After SHOULD NOT be earlier than t (-10, -11)
		// or SHOULD be the same moment (-09). It is the same.
		after := max(1, t)
		return &retryLater{error: invitations.Errorf(invitations.ErrThrottled,
			"too many requests; retry after %d seconds", after), seconds: after}
	}
	return nil
}

// rateLimitFields are the values of the RateLimit-Policy and RateLimit
// header fields of IETF httpapi's draft-ietf-httpapi-ratelimit-headers
// (-09, -10; https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/),
// Structured Field Lists (RFC 9651) of one item, the policy "default":
//
//	RateLimit-Policy: "default";q=<quota>;w=<window>
//	RateLimit: "default";r=<remaining>;t=<seconds>
//
// The token bucket (rate R a second, burst B) is mapped so:
//   - q = B: the most a caller may send at once (draft section 3.1.1);
//   - w = ceil(B/R) seconds, the time an empty bucket takes to be full again:
//     q requests per w seconds is the sustained rate R (3.1.3: whole seconds,
//     at least 1);
//   - r = the whole requests left in the bucket (4.1.1);
//   - t = the seconds until the bucket holds one more whole request (r
//     grows), rounded up; 0 when it is full. A bucket refills continuously,
//     never all at once: -10 defines t as the time "until additional quota
//     [...] is made available" and -11 as the time within which the caller
//     can use no more than r, and both are this; -09's "until the quota
//     resets" would be the time until the bucket is full, but -09 also asks
//     that t be the moment of Retry-After on a 429, which is when one
//     request is back. This t agrees with all three on a 429 (r=0, t =
//     Retry-After), and is never later than the moment the caller may send
//     one more.
type rateLimitFields struct {
	policy []string // RateLimit-Policy's value: the same for every answer
	// states are the RateLimit values with t = 1 for r below len(states),
	// built once: with R >= 1 a second t is always 1, so a request's value
	// is one of these, and costs no allocation, unless r is 256 or more
	// (invitationsd's default burst is 200).
	states []string
}

// newRateLimitFields builds the fields of a bucket of burst requests refilled
// at perSecond.
func newRateLimitFields(perSecond float64, burst int) *rateLimitFields {
	// A Structured Field Integer has at most 15 digits.
	window := max(1, int64(math.Min(math.Ceil(float64(burst)/perSecond), 999_999_999_999_999)))
	f := &rateLimitFields{policy: []string{`"default";q=` + strconv.Itoa(burst) + ";w=" + strconv.FormatInt(window, 10)}}
	f.states = make([]string, min(burst, 256))
	for r := range f.states {
		f.states[r] = formatRateLimit(r, 1)
	}
	return f
}

// state is the RateLimit field's value: r whole requests left, t seconds
// until one more.
func (f *rateLimitFields) state(r, t int) string {
	if t == 1 && r < len(f.states) {
		return f.states[r]
	}
	return formatRateLimit(r, t)
}

// formatRateLimit writes the RateLimit field's value, in one allocation.
func formatRateLimit(r, t int) string {
	var b [48]byte
	v := append(b[:0], `"default";r=`...)
	v = strconv.AppendInt(v, int64(r), 10)
	v = append(v, ";t="...)
	v = strconv.AppendInt(v, int64(t), 10)
	return string(v)
}
