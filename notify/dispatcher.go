package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/graph-linkedin/invitations"
)

// Defaults of Options.
const (
	DefaultRetryWindow  = 4 * time.Hour
	DefaultConcurrency  = 16
	DefaultPollInterval = time.Second
	DefaultBatch        = 50
	DefaultMinBackoff   = time.Second
	DefaultMaxBackoff   = 15 * time.Minute
	DefaultPurgeEvery   = time.Minute
)

// Options configure a Dispatcher. Client is required.
type Options struct {
	// Client makes the requests to subscribers.
	Client *Client
	// Logger is told of failed deliveries and of dropped subscriptions.
	Logger *slog.Logger
	// Metrics is where the dispatcher registers its collectors; nil keeps
	// them unregistered.
	Metrics prometheus.Registerer
	// RetryWindow is how long a notification is retried before it is
	// dropped (and its subscription with it); DefaultRetryWindow when 0.
	RetryWindow time.Duration
	// Concurrency is how many subscriptions are delivered at once, each
	// by a goroutine of its own, so that a slow subscriber holds up only
	// its own notifications; DefaultConcurrency when 0.
	Concurrency int
	// PollInterval is how often the outbox is looked at when nothing
	// wakes the dispatcher (another instance's writes, retries falling
	// due); DefaultPollInterval when 0.
	PollInterval time.Duration
	// Batch is the most notifications sent in one POST; DefaultBatch when 0.
	Batch int
	// MinBackoff and MaxBackoff bound the wait after a failed attempt:
	// MinBackoff doubled for every attempt that failed, at most
	// MaxBackoff, then jittered; a longer Retry-After is honoured.
	MinBackoff, MaxBackoff time.Duration
	// Lease is how long a claimed subscription stays this dispatcher's
	// without its acknowledging anything; twice the client's timeout and
	// 10 s more when 0. A dispatcher that dies loses its leases when they
	// run out, and another (or the next) takes over.
	Lease time.Duration
	// PurgeEvery is how often expired subscriptions are deleted;
	// DefaultPurgeEvery when 0.
	PurgeEvery time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Dispatcher delivers the notifications of a store's outbox.
type Dispatcher struct {
	q       invitations.Outbox
	opts    Options
	owner   string // this dispatcher's name on its leases
	log     *slog.Logger
	metrics *metrics
	wake    chan struct{}
}

// New returns a Dispatcher of the notifications in q, a store's outbox; Run
// runs it.
func New(q invitations.Outbox, opts Options) (*Dispatcher, error) {
	if opts.Client == nil {
		return nil, errors.New("notify: no client")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Metrics == nil {
		opts.Metrics = prometheus.NewRegistry()
	}
	defaults := []struct {
		p *time.Duration
		d time.Duration
	}{
		{&opts.RetryWindow, DefaultRetryWindow}, {&opts.PollInterval, DefaultPollInterval}, {&opts.MinBackoff, DefaultMinBackoff},
		{&opts.MaxBackoff, DefaultMaxBackoff}, {&opts.PurgeEvery, DefaultPurgeEvery}, {&opts.Lease, 2*opts.Client.opts.Timeout + 10*time.Second},
	}
	for _, d := range defaults {
		if *d.p <= 0 {
			*d.p = d.d
		}
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.Batch <= 0 {
		opts.Batch = DefaultBatch
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Lease <= opts.Client.opts.Timeout {
		return nil, fmt.Errorf("notify: a lease (%v) must outlast a request to a subscriber (%v)", opts.Lease, opts.Client.opts.Timeout)
	}
	m, err := newMetrics(opts.Metrics)
	if err != nil {
		return nil, fmt.Errorf("notify: metrics: %w", err)
	}
	return &Dispatcher{q: q, opts: opts, owner: uuid.NewString(), log: opts.Logger, metrics: m, wake: make(chan struct{}, 1)}, nil
}

// Queued is told that a write queued n notifications (the stores'
// OnQueued): it counts them and wakes the dispatcher. It never blocks.
func (d *Dispatcher) Queued(n int) {
	d.metrics.queued.Add(float64(n))
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends, then waits for the deliveries in flight to
// give back their subscriptions, and returns nil.
func (d *Dispatcher) Run(ctx context.Context) error {
	var (
		wg       sync.WaitGroup
		inflight = make(chan struct{}, d.opts.Concurrency) // a slot per delivery running
		finished = make(chan struct{}, 1)
	)
	defer wg.Wait()
	poll := time.NewTicker(d.opts.PollInterval)
	defer poll.Stop()
	purge := time.NewTicker(d.opts.PurgeEvery)
	defer purge.Stop()
	for {
		if free := cap(inflight) - len(inflight); free > 0 {
			deliveries, err := d.q.ClaimDeliveries(ctx, d.owner, d.opts.Now().Add(d.opts.Lease), free, d.opts.Batch)
			if err != nil && ctx.Err() == nil {
				d.log.Warn("claiming notifications to deliver", "error", err.Error())
			}
			for _, dl := range deliveries {
				inflight <- struct{}{}
				wg.Go(func() {
					defer func() {
						<-inflight
						select { // wake the loop to claim more, if it is not awake already
						case finished <- struct{}{}:
						default:
						}
					}()
					d.deliver(ctx, dl)
				})
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-poll.C:
		case <-d.wake:
		case <-finished:
		case <-purge.C:
			n, err := d.q.PurgeSubscriptions(ctx)
			d.metrics.dropped.WithLabelValues("expired").Add(float64(n))
			if err != nil && ctx.Err() == nil {
				d.log.Warn("purging expired subscriptions", "error", err.Error())
			}
		}
	}
}

// deliver sends a claimed subscription's notifications, a batch at a time,
// until none is left, one fails, or ctx ends.
func (d *Dispatcher) deliver(ctx context.Context, dl invitations.Delivery) {
	sub := dl.Subscription
	url := sub.NotificationURL
	if dl.Removed {
		url = sub.LifecycleURL
	}
	attempts := dl.Attempts
	for batch := dl.Notifications; len(batch) > 0; {
		body, err := encode(dl, batch)
		if err != nil {
			d.log.Error("encoding notifications", "subscription", sub.ID, "error", err.Error())
			return
		}
		ans, err := d.opts.Client.post(ctx, url, body, d.opts.Now(), deliveryAttrs(dl, len(batch))...)
		now := d.opts.Now()
		if ctx.Err() != nil {
			// Stopping: give the subscription back at once, so that the
			// next run (or another instance) need not wait for the lease.
			bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			d.q.Retry(bctx, d.owner, sub.ID, attempts, now)
			cancel()
			return
		}
		if err == nil && ans.status >= 200 && ans.status < 300 {
			d.metrics.delivered.Add(float64(len(batch)))
			seqs := make([]int64, len(batch))
			for i, n := range batch {
				seqs[i] = n.Seq
				d.metrics.latency.Observe(now.Sub(n.Queued).Seconds())
			}
			if batch, err = d.q.Acknowledge(ctx, d.owner, sub.ID, seqs, now.Add(d.opts.Lease), d.opts.Batch); err != nil {
				// They were delivered; if the store did not take note, its
				// lease runs out and they go again: at least once.
				d.log.Warn("acknowledging delivered notifications", "subscription", sub.ID, "error", err.Error())
				return
			}
			attempts = 0
			continue
		}
		attempts++
		reason := ""
		if err != nil {
			reason = err.Error()
		} else {
			reason = fmt.Sprintf("answered %d", ans.status)
		}
		end := batch[0].Queued.Add(d.opts.RetryWindow)
		if !now.Before(end) {
			n, err := d.q.Drop(ctx, d.owner, sub.ID)
			d.metrics.dropped.WithLabelValues("undeliverable").Add(float64(n))
			d.log.Warn("giving up on a subscription whose notifications could not be delivered within the retry window",
				"subscription", sub.ID, "removed", dl.Removed, "attempts", attempts, "last_failure", reason,
				"retry_window", d.opts.RetryWindow.String(), "discarded", n, "error", errString(err))
			return
		}
		d.metrics.retried.Add(float64(len(batch)))
		wait := max(d.backoff(attempts), ans.retryAfter)
		due := now.Add(wait)
		if due.After(end) {
			due = end // one last attempt as the window ends
		}
		d.log.Info("delivering notifications failed; retrying later", "subscription", sub.ID, "attempts", attempts,
			"failure", reason, "retry_in", due.Sub(now).Round(time.Millisecond).String())
		if err := d.q.Retry(ctx, d.owner, sub.ID, attempts, due); err != nil {
			d.log.Warn("scheduling a retry", "subscription", sub.ID, "error", err.Error())
		}
		return
	}
}

// backoff is the wait after the attempts-th failed attempt: MinBackoff
// doubled for each, at most MaxBackoff, then a random part of it between
// half and all ("equal jitter"), so that subscribers that failed together
// are not retried together.
func (d *Dispatcher) backoff(attempts int) time.Duration {
	wait := d.opts.MaxBackoff
	if attempts < 32 {
		wait = min(d.opts.MinBackoff<<(attempts-1), d.opts.MaxBackoff)
	}
	half := wait / 2
	return half + rand.N(half+1)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
