package server

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

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

// guardedStore is the store behind the Overload bounds, timed for metrics.
type guardedStore struct {
	invitations.Store
	slots      chan struct{}
	waiting    atomic.Int64
	maxWaiting int64
	metrics    *metrics
}

func newGuardedStore(store invitations.Store, cfg Overload, m *metrics) *guardedStore {
	if cfg.InFlight <= 0 {
		cfg.InFlight = 64
	}
	if cfg.Queue < 0 {
		cfg.Queue = 0
	}
	return &guardedStore{Store: store, slots: make(chan struct{}, cfg.InFlight), maxWaiting: int64(cfg.Queue), metrics: m}
}

// errOverloaded is the answer when the queue is full.
var errOverloaded = fmt.Errorf("%w: too much work is waiting on the database", invitations.ErrUnavailable)

// enter takes a slot, waiting in the bounded queue if need be, and returns
// the function that gives it back and records the time spent.
func (g *guardedStore) enter(ctx context.Context, method string) (func(), error) {
	start := time.Now()
	leave := func() {
		<-g.slots
		g.metrics.dbDuration.WithLabelValues(method).Observe(time.Since(start).Seconds())
	}
	select {
	case g.slots <- struct{}{}:
		return leave, nil
	default:
	}
	if g.waiting.Add(1) > g.maxWaiting {
		g.waiting.Add(-1)
		g.metrics.shed.Inc()
		return nil, errOverloaded
	}
	g.metrics.dbWaiting.Inc()
	defer func() {
		g.waiting.Add(-1)
		g.metrics.dbWaiting.Dec()
	}()
	select {
	case g.slots <- struct{}{}:
		return leave, nil
	case <-ctx.Done():
		g.metrics.shed.Inc()
		return nil, fmt.Errorf("%w: timed out waiting for the database: %v", invitations.ErrUnavailable, ctx.Err())
	}
}

func (g *guardedStore) CreateInvitation(ctx context.Context, inv invitations.Invitation) (invitations.Invitation, error) {
	leave, err := g.enter(ctx, "CreateInvitation")
	if err != nil {
		return invitations.Invitation{}, err
	}
	defer leave()
	return g.Store.CreateInvitation(ctx, inv)
}

func (g *guardedStore) Invitation(ctx context.Context, tenant, id string) (invitations.Invitation, error) {
	leave, err := g.enter(ctx, "Invitation")
	if err != nil {
		return invitations.Invitation{}, err
	}
	defer leave()
	return g.Store.Invitation(ctx, tenant, id)
}

func (g *guardedStore) ListInvitations(ctx context.Context, q invitations.Query) (invitations.Page, error) {
	leave, err := g.enter(ctx, "ListInvitations")
	if err != nil {
		return invitations.Page{}, err
	}
	defer leave()
	return g.Store.ListInvitations(ctx, q)
}

func (g *guardedStore) UpdateInvitation(ctx context.Context, inv invitations.Invitation, version int64) (invitations.Invitation, error) {
	leave, err := g.enter(ctx, "UpdateInvitation")
	if err != nil {
		return invitations.Invitation{}, err
	}
	defer leave()
	return g.Store.UpdateInvitation(ctx, inv, version)
}

func (g *guardedStore) DeleteInvitation(ctx context.Context, tenant, id string, version int64) error {
	leave, err := g.enter(ctx, "DeleteInvitation")
	if err != nil {
		return err
	}
	defer leave()
	return g.Store.DeleteInvitation(ctx, tenant, id, version)
}

func (g *guardedStore) CloseInvitations(ctx context.Context, r invitations.CloseRequest) ([]invitations.CloseResult, error) {
	leave, err := g.enter(ctx, "CloseInvitations")
	if err != nil {
		return nil, err
	}
	defer leave()
	return g.Store.CloseInvitations(ctx, r)
}

func (g *guardedStore) CreateInvitationIdempotent(ctx context.Context, inv invitations.Invitation, req invitations.IdempotentRequest) (invitations.Outcome, error) {
	leave, err := g.enter(ctx, "CreateInvitationIdempotent")
	if err != nil {
		return invitations.Outcome{}, err
	}
	defer leave()
	return g.Store.CreateInvitationIdempotent(ctx, inv, req)
}

func (g *guardedStore) CloseInvitationsIdempotent(ctx context.Context, r invitations.CloseRequest, req invitations.IdempotentRequest) (invitations.Outcome, error) {
	leave, err := g.enter(ctx, "CloseInvitationsIdempotent")
	if err != nil {
		return invitations.Outcome{}, err
	}
	defer leave()
	return g.Store.CloseInvitationsIdempotent(ctx, r, req)
}

// Ping is not guarded: readiness must answer even under load.
