// Package memory is an invitations.Store that keeps everything in memory:
// for tests, benchmarks of the layers above the database, and demos. It is
// not durable; it passes the same conformance suite as the real engines.
package memory

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/graph-linkedin/invitations"
)

var _ invitations.Store = (*Store)(nil)

// Store is an in-memory invitations.Store, safe for concurrent use.
type Store struct {
	now      func() time.Time
	onQueued func(n int)

	mu   sync.RWMutex
	byID map[string]stored // by id (ids are unique across tenants)
	// pairs are the one pending invitation of each pair, by its pair's
	// key: its id, by stored.pairKey.
	pairs map[string]string
	keys  map[invitations.IdempotencyKey]record
	// nextPurge is when an idempotent request next sweeps out expired keys.
	nextPurge time.Time
	// subs are the subscriptions, with their queues (see outbox.go).
	subs map[string]*subscription
	seq  int64 // the last notification's Seq
}

// New returns an empty Store whose clock is now (time.Now when nil).
func New(now func() time.Time) *Store { return Open(Options{Now: now}) }

// Options tune a Store; the zero value is ready to use.
type Options struct {
	// Now is the store's clock; time.Now when nil.
	Now func() time.Time
	// OnQueued, when set, is told how many notifications each write
	// queued, as it commits (for metrics, and to wake a dispatcher); it
	// must be quick, and must not call the store.
	OnQueued func(n int)
}

// Open returns an empty Store.
func Open(opts Options) *Store {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Store{now: opts.Now, onQueued: opts.OnQueued, byID: map[string]stored{}, pairs: map[string]string{},
		keys: map[invitations.IdempotencyKey]record{}, subs: map[string]*subscription{}}
}

// CreateInvitation stores inv with a new id and the current time.
func (s *Store) CreateInvitation(_ context.Context, inv invitations.Invitation) (invitations.Invitation, error) {
	inv = s.newInvitation(inv)
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.insertLocked(inv)
	if err != nil {
		return invitations.Invitation{}, err
	}
	s.queued(s.queueLocked(invitations.ChangeCreated, inv, inv.Created))
	return st.invitation(), nil
}

// newInvitation gives inv a new id, the current time and version 1.
func (s *Store) newInvitation(inv invitations.Invitation) invitations.Invitation {
	return inv.Stamp(s.now())
}

// insertLocked stores inv unless its pair has a pending invitation already.
func (s *Store) insertLocked(inv invitations.Invitation) (stored, error) {
	if _, ok := s.pairs[pairKey(inv.Tenant, inv.Inviter, inv.Invitee)]; ok {
		return stored{}, invitations.ConflictError(inv.Inviter, inv.Invitee)
	}
	st := store(inv)
	s.pairs[st.pairKey()] = st.id()
	s.byID[st.id()] = st
	return st, nil
}

// Invitation returns the tenant's invitation with this id.
func (s *Store) Invitation(_ context.Context, tenant, id string) (invitations.Invitation, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	st, ok := s.byID[id]
	if !ok || st.tenant() != tenant {
		return invitations.Invitation{}, invitations.NotFoundError(id)
	}
	return st.invitation(), nil
}

// ListInvitations returns a page of the invitations q selects. It sorts
// every match on each call: fine for what this store is for.
func (s *Store) ListInvitations(_ context.Context, q invitations.Query) (invitations.Page, error) {
	s.mu.RLock()
	var matches []invitations.Invitation
	for _, st := range s.byID {
		if inv := st.invitation(); q.Matches(inv) {
			matches = append(matches, inv)
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(matches, q.Order.Compare)

	page := invitations.Page{Count: int64(len(matches))}
	rest := matches
	if q.After != nil {
		i, _ := slices.BinarySearchFunc(matches, true, func(inv invitations.Invitation, _ bool) int {
			if q.Order.After(*q.After, inv) {
				return 1
			}
			return -1
		})
		rest = matches[i:]
	} else {
		rest = matches[min(q.Skip, len(matches)):]
	}
	if len(rest) > q.Limit {
		rest = rest[:q.Limit]
		last := rest[q.Limit-1]
		page.Next = &invitations.Cursor{Key: q.Order.SortKey(last), ID: last.ID}
	}
	page.Invitations = rest
	if !q.Count {
		page.Count = 0
	}
	return page, nil
}

// UpdateInvitation replaces inv's message and tracking id if its version is
// still version.
func (s *Store) UpdateInvitation(_ context.Context, inv invitations.Invitation, version int64) (invitations.Invitation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.byID[inv.ID]
	if !ok || st.tenant() != inv.Tenant {
		return invitations.Invitation{}, invitations.NotFoundError(inv.ID)
	}
	cur := st.invitation()
	switch {
	case cur.Version != version:
		return invitations.Invitation{}, invitations.Errorf(invitations.ErrPreconditionFailed,
			"the invitation has changed; its ETag is now \"%d\"", cur.Version)
	case cur.State != invitations.StatePending:
		return invitations.Invitation{}, invitations.ClosedError(cur)
	}
	cur.Message, cur.TrackingID = cloneMessage(inv.Message), inv.TrackingID
	cur.LastModified = later(s.now().Truncate(time.Millisecond), cur.LastModified.Add(time.Millisecond))
	cur.Version++
	s.replaceLocked(st, cur)
	s.queued(s.queueLocked(invitations.ChangeUpdated, cur, cur.LastModified))
	return cur, nil
}

// DeleteInvitation deletes the tenant's invitation with this id if its
// version is version, or any version when version is 0.
func (s *Store) DeleteInvitation(_ context.Context, tenant, id string, version int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.byID[id]
	if !ok || st.tenant() != tenant {
		return invitations.NotFoundError(id)
	}
	cur := st.invitation()
	switch {
	case version != 0 && cur.Version != version:
		return invitations.Errorf(invitations.ErrPreconditionFailed,
			"the invitation has changed; its ETag is now \"%d\"", cur.Version)
	}
	delete(s.byID, id)
	if p := st.pairKey(); s.pairs[p] == id {
		delete(s.pairs, p)
	}
	s.queued(s.queueLocked(invitations.ChangeDeleted, cur, s.now()))
	return nil
}

// CloseInvitations closes r's invitations, under the lock: all at once.
func (s *Store) CloseInvitations(_ context.Context, r invitations.CloseRequest) ([]invitations.CloseResult, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	results, closed := s.decideCloseLocked(r, now)
	s.queued(s.applyCloseLocked(closed))
	return results, nil
}

// decideCloseLocked decides r for each of its ids and returns the results
// and the invitations to store, closed, without storing them: each id is
// named once, so no decision depends on another.
func (s *Store) decideCloseLocked(r invitations.CloseRequest, now time.Time) ([]invitations.CloseResult, []invitations.Invitation) {
	results := make([]invitations.CloseResult, len(r.IDs))
	var closed []invitations.Invitation
	for i, id := range r.IDs {
		var found *invitations.Invitation
		if st, ok := s.byID[id]; ok && st.tenant() == r.Caller.Tenant {
			cur := st.invitation()
			found = &cur
		}
		res := invitations.CloseResult{ID: id}
		var close bool
		if close, res.Err = r.Decide(id, found); close {
			c := found.CloseAs(r.Action.State(), now)
			closed = append(closed, c)
			res.Invitation, res.Changed = c, true
		} else if res.Err == nil {
			res.Invitation = *found
		}
		results[i] = res
	}
	return results, closed
}

// applyCloseLocked stores the invitations decideCloseLocked closed and
// queues their notifications; it returns how many it queued.
func (s *Store) applyCloseLocked(closed []invitations.Invitation) int {
	queued := 0
	for _, c := range closed {
		st := store(c)
		s.byID[st.id()] = st
		delete(s.pairs, st.pairKey())
		queued += s.queueLocked(invitations.ChangeUpdated, c, c.LastModified)
	}
	return queued
}

// replaceLocked stores inv, a new version of st, in st's place. (Its
// pair's entry, if it has one, keeps st's id, which is inv's.)
func (s *Store) replaceLocked(st stored, inv invitations.Invitation) {
	next := store(inv)
	s.byID[next.id()] = next
	// The pair's key is re-entered, not just given the new id, so that
	// st's text is not kept alive by it.
	if p := st.pairKey(); s.pairs[p] == next.id() {
		delete(s.pairs, p)
		s.pairs[next.pairKey()] = next.id()
	}
}

// Ping always succeeds: memory is always reachable.
func (s *Store) Ping(context.Context) error { return nil }

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func cloneMessage(m *invitations.Message) *invitations.Message {
	if m == nil {
		return nil
	}
	c := *m
	return &c
}
