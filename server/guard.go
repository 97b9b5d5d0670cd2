package server

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/graph-linkedin/invitations"
)

// Overload bounds the work waiting on the database: beyond it the service
// answers 503 at once, instead of queueing without end until every request
// times out.
type Overload struct {
	// InFlight is how many store operations may run at once.
	InFlight int
	// Queue is how many more may wait for one of those; the next is shed.
	Queue int
}

// guardedStore is the store behind the Overload bounds, timed for metrics:
// every store call a request makes passes through call (Ping aside). It is
// where the request's work can block, so it is where that work gets its
// deadline: the request timeout from the request's start (made only when
// the work waits on it, see lazyDeadline).
type guardedStore struct {
	invitations.Store
	slots      chan struct{}
	waiting    atomic.Int64
	maxWaiting int64
	timeout    time.Duration
	metrics    *metrics
	// The duration histogram's child of each store method, looked up once.
	create, get, list, update, del, close, createIdempotent, closeIdempotent prometheus.Observer
}

func newGuardedStore(store invitations.Store, cfg Overload, timeout time.Duration, m *metrics) *guardedStore {
	if cfg.InFlight <= 0 {
		cfg.InFlight = 64
	}
	if cfg.Queue < 0 {
		cfg.Queue = 0
	}
	method := func(name string) prometheus.Observer { return m.dbDuration.WithLabelValues(name) }
	return &guardedStore{Store: store, slots: make(chan struct{}, cfg.InFlight), maxWaiting: int64(cfg.Queue),
		timeout: timeout, metrics: m,
		create: method("CreateInvitation"), get: method("Invitation"), list: method("ListInvitations"),
		update: method("UpdateInvitation"), del: method("DeleteInvitation"), close: method("CloseInvitations"),
		createIdempotent: method("CreateInvitationIdempotent"), closeIdempotent: method("CloseInvitationsIdempotent")}
}

// errOverloaded is the answer when the queue is full.
var errOverloaded = fmt.Errorf("%w: too much work is waiting on the database", invitations.ErrUnavailable)

// call runs one store call f under the bounds: it takes a slot, waiting in
// the bounded queue if need be, gives f the request's deadline, and records
// the time spent (waiting included) in timer. (A later tracing span per store call
// belongs here too.)
func call[T any](ctx context.Context, g *guardedStore, timer prometheus.Observer, f func(ctx context.Context) (T, error)) (T, error) {
	start := time.Now()
	began := info(ctx).start
	if began.IsZero() { // a call outside a request
		began = start
	}
	dctx := withLazyDeadline(ctx, began.Add(g.timeout))
	defer dctx.release()
	ctx = dctx
	if err := g.enter(ctx); err != nil {
		var zero T
		return zero, err
	}
	defer func() {
		<-g.slots
		timer.Observe(time.Since(start).Seconds())
	}()
	return f(ctx)
}

// enter takes a slot, waiting in the bounded queue if need be.
func (g *guardedStore) enter(ctx context.Context) error {
	select {
	case g.slots <- struct{}{}:
		return nil
	default:
	}
	if g.waiting.Add(1) > g.maxWaiting {
		g.waiting.Add(-1)
		g.metrics.shed.Inc()
		return errOverloaded
	}
	g.metrics.dbWaiting.Inc()
	defer func() {
		g.waiting.Add(-1)
		g.metrics.dbWaiting.Dec()
	}()
	select {
	case g.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		g.metrics.shed.Inc()
		return fmt.Errorf("%w: timed out waiting for the database: %v", invitations.ErrUnavailable, ctx.Err())
	}
}

func (g *guardedStore) CreateInvitation(ctx context.Context, inv invitations.Invitation) (invitations.Invitation, error) {
	return call(ctx, g, g.create, func(ctx context.Context) (invitations.Invitation, error) {
		return g.Store.CreateInvitation(ctx, inv)
	})
}

func (g *guardedStore) Invitation(ctx context.Context, tenant, id string) (invitations.Invitation, error) {
	return call(ctx, g, g.get, func(ctx context.Context) (invitations.Invitation, error) {
		return g.Store.Invitation(ctx, tenant, id)
	})
}

func (g *guardedStore) ListInvitations(ctx context.Context, q invitations.Query) (invitations.Page, error) {
	return call(ctx, g, g.list, func(ctx context.Context) (invitations.Page, error) {
		return g.Store.ListInvitations(ctx, q)
	})
}

func (g *guardedStore) UpdateInvitation(ctx context.Context, inv invitations.Invitation, version int64) (invitations.Invitation, error) {
	return call(ctx, g, g.update, func(ctx context.Context) (invitations.Invitation, error) {
		return g.Store.UpdateInvitation(ctx, inv, version)
	})
}

func (g *guardedStore) DeleteInvitation(ctx context.Context, tenant, id string, version int64) error {
	_, err := call(ctx, g, g.del, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, g.Store.DeleteInvitation(ctx, tenant, id, version)
	})
	return err
}

func (g *guardedStore) CloseInvitations(ctx context.Context, r invitations.CloseRequest) ([]invitations.CloseResult, error) {
	return call(ctx, g, g.close, func(ctx context.Context) ([]invitations.CloseResult, error) {
		return g.Store.CloseInvitations(ctx, r)
	})
}

func (g *guardedStore) CreateInvitationIdempotent(ctx context.Context, inv invitations.Invitation, req invitations.IdempotentRequest) (invitations.Outcome, error) {
	return call(ctx, g, g.createIdempotent, func(ctx context.Context) (invitations.Outcome, error) {
		return g.Store.CreateInvitationIdempotent(ctx, inv, req)
	})
}

func (g *guardedStore) CloseInvitationsIdempotent(ctx context.Context, r invitations.CloseRequest, req invitations.IdempotentRequest) (invitations.Outcome, error) {
	return call(ctx, g, g.closeIdempotent, func(ctx context.Context) (invitations.Outcome, error) {
		return g.Store.CloseInvitationsIdempotent(ctx, r, req)
	})
}

// Ping is not guarded: readiness must answer even under load.
