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

// limiters keeps the callers' token buckets.
type limiters struct {
	cfg     Throttle
	buckets *lru.Cache[string, *rate.Limiter]
}

func newLimiters(cfg Throttle) (*limiters, error) {
	if cfg.Callers <= 0 {
		cfg.Callers = 100_000
	}
	if cfg.Burst <= 0 {
		cfg.Burst = max(1, int(cfg.Rate))
	}
	buckets, err := lru.New[string, *rate.Limiter](cfg.Callers)
	if err != nil {
		return nil, err
	}
	return &limiters{cfg: cfg, buckets: buckets}, nil
}

// take spends one request of key's bucket at now. It returns whether the
// request may go on, the requests left, and how long until the bucket is
// full again or, when refused, until one request is allowed.
func (l *limiters) take(key string, now time.Time) (ok bool, remaining int, wait time.Duration) {
	lim, found := l.buckets.Get(key)
	if !found {
		// Two first requests at once must share one bucket.
		lim = rate.NewLimiter(rate.Limit(l.cfg.Rate), l.cfg.Burst)
		if prev, raced, _ := l.buckets.PeekOrAdd(key, lim); raced {
			lim = prev
		}
	}
	ok = lim.AllowN(now, 1)
	tokens := lim.TokensAt(now)
	if ok {
		return true, int(math.Max(0, math.Floor(tokens))), seconds((float64(l.cfg.Burst) - tokens) / l.cfg.Rate)
	}
	return false, 0, seconds((1 - tokens) / l.cfg.Rate)
}

func seconds(s float64) time.Duration { return time.Duration(math.Ceil(s)) * time.Second }

// throttle applies the caller's rate limit to authenticated requests, and
// tells the caller where it stands in RateLimit-* headers (IETF httpapi
// draft); over the limit it is a 429 with Retry-After.
func (s *server) throttle(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		caller := info(c.Request().Context()).caller
		if s.limits == nil || caller.Subject == "" {
			return next(c)
		}
		ok, remaining, wait := s.limits.take(caller.Tenant+"\x00"+caller.Subject, s.opts.Now())
		h := c.Response().Header()
		h.Set("RateLimit-Limit", strconv.Itoa(s.limits.cfg.Burst))
		h.Set("RateLimit-Remaining", strconv.Itoa(remaining))
		h.Set("RateLimit-Reset", strconv.Itoa(int(wait/time.Second)))
		if !ok {
			h.Set("Retry-After", strconv.Itoa(max(1, int(wait/time.Second))))
			s.metrics.throttled.Inc()
			return invitations.Errorf(invitations.ErrThrottled,
				"too many requests; retry after %d seconds", max(1, int(wait/time.Second)))
		}
		return next(c)
	}
}
