package server

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

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
	tracing    *tracing // nil when not tracing
	// Each store method's name and duration histogram child, looked up once.
	create, get, list, update, del, close, createIdempotent, closeIdempotent *storeMethod
	createSub, sub, listSubs, renewSub, deleteSub, removeSub                 *storeMethod
}

// storeMethod is a store method, as call times and traces it.
type storeMethod struct {
	span  string // its span's name, store.Method
	timer prometheus.Observer
}

func newGuardedStore(store invitations.Store, cfg Overload, timeout time.Duration, m *metrics) *guardedStore {
	if cfg.InFlight <= 0 {
		cfg.InFlight = 64
	}
	if cfg.Queue < 0 {
		cfg.Queue = 0
	}
	method := func(name string) *storeMethod {
		return &storeMethod{span: "store." + name, timer: m.dbDuration.WithLabelValues(name)}
	}
	return &guardedStore{Store: store, slots: make(chan struct{}, cfg.InFlight), maxWaiting: int64(cfg.Queue),
		timeout: timeout, metrics: m,
		create: method("CreateInvitation"), get: method("Invitation"), list: method("ListInvitations"),
		update: method("UpdateInvitation"), del: method("DeleteInvitation"), close: method("CloseInvitations"),
		createIdempotent: method("CreateInvitationIdempotent"), closeIdempotent: method("CloseInvitationsIdempotent"),
		createSub: method("CreateSubscription"), sub: method("Subscription"), listSubs: method("ListSubscriptions"),
		renewSub: method("RenewSubscription"), deleteSub: method("DeleteSubscription"), removeSub: method("RemoveSubscription")}
}

// errOverloaded is the answer when the queue is full.
var errOverloaded = fmt.Errorf("%w: too much work is waiting on the database", invitations.ErrUnavailable)

// call runs one store call f under the bounds: it takes a slot, waiting in
// the bounded queue if need be, gives f the request's deadline, and records
// the time spent (waiting included) in m's timer; with tracing, in a span
// of its own too, a child of the request's.
func call[T any](ctx context.Context, g *guardedStore, m *storeMethod, f func(ctx context.Context) (T, error)) (_ T, err error) {
	if g.tracing != nil {
		var span trace.Span
		ctx, span = g.tracing.startStoreSpan(ctx, m.span)
		defer func() { endStoreSpan(span, err) }()
	}
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
		m.timer.Observe(time.Since(start).Seconds())
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

// The subscriptions' calls, guarded and timed as the invitations' are.

func (g *guardedStore) CreateSubscription(ctx context.Context, sub invitations.Subscription) (invitations.Subscription, error) {
	return call(ctx, g, g.createSub, func(ctx context.Context) (invitations.Subscription, error) {
		return g.Store.CreateSubscription(ctx, sub)
	})
}

func (g *guardedStore) Subscription(ctx context.Context, tenant, creator, id string) (invitations.Subscription, error) {
	return call(ctx, g, g.sub, func(ctx context.Context) (invitations.Subscription, error) {
		return g.Store.Subscription(ctx, tenant, creator, id)
	})
}

func (g *guardedStore) ListSubscriptions(ctx context.Context, tenant, creator string) ([]invitations.Subscription, error) {
	return call(ctx, g, g.listSubs, func(ctx context.Context) ([]invitations.Subscription, error) {
		return g.Store.ListSubscriptions(ctx, tenant, creator)
	})
}

func (g *guardedStore) RenewSubscription(ctx context.Context, tenant, creator, id string, expiration time.Time) (invitations.Subscription, error) {
	return call(ctx, g, g.renewSub, func(ctx context.Context) (invitations.Subscription, error) {
		return g.Store.RenewSubscription(ctx, tenant, creator, id, expiration)
	})
}

func (g *guardedStore) DeleteSubscription(ctx context.Context, tenant, creator, id string) error {
	_, err := call(ctx, g, g.deleteSub, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, g.Store.DeleteSubscription(ctx, tenant, creator, id)
	})
	return err
}

func (g *guardedStore) RemoveSubscription(ctx context.Context, tenant, creator, id string) error {
	_, err := call(ctx, g, g.removeSub, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, g.Store.RemoveSubscription(ctx, tenant, creator, id)
	})
	return err
}
