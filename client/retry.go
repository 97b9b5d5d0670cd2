package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"time"

	"github.com/graph-linkedin/invitations/internal/retryafter"
)

// RetryPolicy bounds how a Client retries: on 429 and 503 answers and on
// connection failures, with exponential backoff and jitter, waiting as long
// as a Retry-After header asks. A create is retried too, because it carries
// an Idempotency-Key (see CreateInvitation): the service answers a retry of
// a create it carried out with that create's answer, and a retry while the
// first attempt is still in progress with a 409 and Retry-After, which is
// retried as well. A close carries one too, and is idempotent by itself (see
// CloseInvitations). A POST without an Idempotency-Key is retried only when the
// connection failed before the request was sent. Zero fields take the
// defaults of DefaultRetryPolicy.
type RetryPolicy struct {
	// MaxAttempts counts every attempt, the first included; 1 disables
	// retries.
	MaxAttempts int
	// BaseDelay is the backoff before the first retry; it doubles with each
	// retry, up to MaxDelay, and a random part of it is taken off (jitter).
	BaseDelay time.Duration
	// MaxDelay caps one backoff. A Retry-After longer than it is still
	// honoured, within MaxElapsed.
	MaxDelay time.Duration
	// MaxElapsed caps the time from the first attempt to the start of the
	// last: a retry that would start later is not made, and the last answer
	// is returned at once. The context's deadline is a cap too.
	MaxElapsed time.Duration
}

// DefaultRetryPolicy is what a Client uses without WithRetry.
var DefaultRetryPolicy = RetryPolicy{
	MaxAttempts: 4,
	BaseDelay:   500 * time.Millisecond,
	MaxDelay:    30 * time.Second,
	MaxElapsed:  2 * time.Minute,
}

// withDefaults fills in the zero fields.
func (p RetryPolicy) withDefaults() RetryPolicy {
	d := DefaultRetryPolicy
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = d.MaxAttempts
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = d.BaseDelay
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = d.MaxDelay
	}
	if p.MaxElapsed <= 0 {
		p.MaxElapsed = d.MaxElapsed
	}
	return p
}

// backoff is the wait before retry number n (1 for the first retry): the
// doubled base delay, capped, less up to half of it at random.
func (p RetryPolicy) backoff(n int) time.Duration {
	d := p.MaxDelay
	if n < 32 {
		d = min(p.BaseDelay<<(n-1), p.MaxDelay)
	}
	if d <= 0 { // overflow
		d = p.MaxDelay
	}
	return d - rand.N(d/2+1)
}

// retryable reports whether the answer to an attempt of req may be
// retried, and the wait the service asked for, if it did.
func retryable(req *http.Request, res *http.Response, err error, now time.Time) (wait time.Duration, asked, ok bool) {
	keyed := req.Method == http.MethodPost && req.Header.Get("Idempotency-Key") != ""
	// A POST without a key must not run twice: the service may have acted
	// on an attempt whose answer was lost.
	once := req.Method == http.MethodPost && !keyed
	if err != nil {
		if once {
			return 0, false, notSent(err)
		}
		return 0, false, transient(err)
	}
	switch {
	case once:
		return 0, false, false
	case res.StatusCode == http.StatusTooManyRequests, res.StatusCode == http.StatusServiceUnavailable:
	case res.StatusCode == http.StatusConflict && keyed && res.Header.Get("Retry-After") != "":
		// The first attempt with the key is still in progress; once it is
		// done, a retry gets its answer. (A 409 for the invitation's pair
		// has no Retry-After: it is final.)
	default:
		return 0, false, false
	}
	wait, asked = retryafter.Parse(res.Header.Get("Retry-After"), now)
	return wait, asked, true
}

// notSent reports whether err shows that the request never left: the
// connection could not be made.
func notSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && (op.Op == "dial" || op.Op == "proxyconnect")
}

// transient reports whether a failure to get a response may pass.
func transient(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var op *net.OpError
	return errors.As(err, &op) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// send sends req through c.http, retrying as c.retry allows. The request's
// body must be replayable (GetBody); the generated request builders make it
// so. The call and each attempt are traced (see WithTracerProvider).
func (c *Client) send(req *http.Request) (_ *http.Response, err error) {
	ctx, call := c.startCall(req)
	var res *http.Response
	defer func() { endSpan(call, res, err) }()
	p := c.retry
	start := c.now()
	for attempt := 1; ; attempt++ {
		actx, span := c.startAttempt(ctx, req, attempt)
		r, err := c.prepare(actx, req, attempt)
		if err != nil {
			endSpan(span, nil, err)
			return nil, err
		}
		res, err = c.http.Do(r)
		endSpan(span, res, err)
		if attempt >= p.MaxAttempts || ctx.Err() != nil {
			return res, err
		}
		now := c.now()
		wait, asked, ok := retryable(req, res, err, now)
		if !ok {
			return res, err
		}
		if !asked {
			wait = p.backoff(attempt)
		}
		if now.Add(wait).Sub(start) > p.MaxElapsed {
			return res, err
		}
		if deadline, ok := ctx.Deadline(); ok && now.Add(wait).After(deadline) {
			return res, err
		}
		retrying(call, attempt, wait, res, err)
		var last error = err
		if res != nil {
			last = errorFrom(res, now)
			res.Body.Close()
			res = nil
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("client: %s %s: stopped retrying after attempt %d (%w): %w",
				req.Method, req.URL.Redacted(), attempt, last, err)
		}
	}
}

// prepare makes the request of one attempt of req (1 for the first), with
// the context ctx (its span's, whose traceparent it carries), the body
// anew for a retry, and the Authorization header field.
func (c *Client) prepare(ctx context.Context, req *http.Request, attempt int) (*http.Request, error) {
	r := req.Clone(ctx)
	inject(ctx, r)
	if attempt > 1 && req.Body != nil && req.Body != http.NoBody {
		if req.GetBody == nil {
			return nil, fmt.Errorf("client: %s %s: the body cannot be sent again", req.Method, req.URL.Redacted())
		}
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r.Body = body
	}
	if err := c.authorize(r); err != nil {
		return nil, err
	}
	return r, nil
}
