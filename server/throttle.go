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
// request may go on, the requests left, and how long until the bucket is
// full again or, when refused, until one request is allowed.
func (l *limiters[K]) take(key K, now time.Time) (ok bool, remaining int, wait time.Duration) {
	lim := l.bucket(key)
	ok = lim.AllowN(now, 1)
	tokens := lim.TokensAt(now)
	if ok {
		return true, int(math.Max(0, math.Floor(tokens))), seconds((float64(l.burst) - tokens) / l.rate)
	}
	return false, 0, seconds((1 - tokens) / l.rate)
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
// tells the caller where it stands in RateLimit-* headers (IETF httpapi
// draft); over the limit it is a 429 with Retry-After.
func (s *server) throttle(c echo.Context, ri *requestInfo) error {
	caller := ri.caller
	if s.limits == nil || caller.Subject == "" {
		return nil
	}
	ok, remaining, wait := s.limits.take(callerKey{caller.Tenant, caller.Subject}, ri.now)
	// Set under their canonical names: Header.Set would canonicalize
	// RateLimit-* anew for every request.
	h := c.Response().Header()
	h["Ratelimit-Limit"] = s.rateLimit // shared, never changed in place
	ri.rateRemaining[0], ri.rateReset[0] = strconv.Itoa(remaining), strconv.Itoa(int(wait/time.Second))
	h["Ratelimit-Remaining"] = ri.rateRemaining[:]
	h["Ratelimit-Reset"] = ri.rateReset[:]
	if !ok {
		s.metrics.throttled.Inc()
		after := max(1, int(wait/time.Second))
		return &retryLater{error: invitations.Errorf(invitations.ErrThrottled,
			"too many requests; retry after %d seconds", after), seconds: after}
	}
	return nil
}
