package memory

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/graph-linkedin/invitations"
)

// The outbox, in memory: each subscription's queue is a slice, appended to
// under the store's lock by the write that changes an invitation, so the
// order of a queue is the order of the writes. Nothing survives the
// process: this engine delivers what it queues while it runs, for tests
// and demos, as it stores invitations.

// queueLocked queues a change of type t to inv, made at now, for every
// subscription it notifies, and returns how many it queued.
func (s *Store) queueLocked(t invitations.ChangeType, inv invitations.Invitation, now time.Time) int {
	n := 0
	for _, sub := range s.subs {
		if sub.removed || !sub.Notified(t, inv, now) {
			continue
		}
		s.seq++
		sub.queue = append(sub.queue, invitations.Notification{Seq: s.seq, ID: uuid.NewString(), SubscriptionID: sub.ID,
			Change: t, InvitationID: inv.ID, Queued: now.Truncate(time.Millisecond)})
		n++
	}
	return n
}

// queued tells OnQueued of n notifications queued.
func (s *Store) queued(n int) {
	if n > 0 && s.onQueued != nil {
		s.onQueued(n)
	}
}

// ClaimDeliveries leases the due subscriptions with queued notifications.
func (s *Store) ClaimDeliveries(_ context.Context, owner string, until time.Time, limit, batch int) ([]invitations.Delivery, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var due []*subscription
	for _, sub := range s.subs {
		if len(sub.queue) > 0 && (sub.removed || sub.live(now)) && !sub.due.After(now) && !sub.leaseUntil.After(now) {
			due = append(due, sub)
		}
	}
	// The longest waiting first, as the SQL engines take them.
	slices.SortFunc(due, func(a, b *subscription) int {
		if c := a.due.Compare(b.due); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	var out []invitations.Delivery
	for _, sub := range due[:min(limit, len(due))] {
		sub.leaseOwner, sub.leaseUntil = owner, until
		out = append(out, invitations.Delivery{Subscription: sub.Subscription, Removed: sub.removed, Attempts: sub.attempts,
			Notifications: slices.Clone(sub.queue[:min(batch, len(sub.queue))])})
	}
	return out, nil
}

// leasedLocked returns the subscription if owner holds its lease.
func (s *Store) leasedLocked(owner, id string) *subscription {
	sub, ok := s.subs[id]
	if !ok || sub.leaseOwner != owner || !sub.leaseUntil.After(s.now()) {
		return nil
	}
	return sub
}

// Acknowledge deletes the delivered notifications and returns the next
// batch, or releases the lease.
func (s *Store) Acknowledge(_ context.Context, owner, id string, seqs []int64, until time.Time, batch int) ([]invitations.Notification, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, ok := s.subs[id]
	if !ok {
		return nil, nil
	}
	// Delivered is delivered, lease or not.
	sub.queue = slices.DeleteFunc(sub.queue, func(n invitations.Notification) bool { return slices.Contains(seqs, n.Seq) })
	if s.leasedLocked(owner, id) == nil {
		return nil, nil
	}
	sub.attempts, sub.due = 0, time.Time{}
	if len(sub.queue) == 0 || !(sub.removed || sub.live(s.now())) {
		sub.leaseOwner, sub.leaseUntil = "", time.Time{}
		return nil, nil
	}
	sub.leaseUntil = until
	return slices.Clone(sub.queue[:min(batch, len(sub.queue))]), nil
}

// Retry releases the lease until due.
func (s *Store) Retry(_ context.Context, owner, id string, attempts int, due time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sub := s.leasedLocked(owner, id); sub != nil {
		sub.attempts, sub.due = attempts, due
		sub.leaseOwner, sub.leaseUntil = "", time.Time{}
	}
	return nil
}

// Drop removes a live subscription, or deletes a removed one.
func (s *Store) Drop(_ context.Context, owner, id string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := s.leasedLocked(owner, id)
	switch {
	case sub == nil:
		return 0, nil
	case sub.removed:
		delete(s.subs, id)
		return len(sub.queue), nil
	}
	return s.removeLocked(sub), nil
}

// PurgeSubscriptions deletes the expired subscriptions and the removed ones
// with nothing left to deliver.
func (s *Store) PurgeSubscriptions(context.Context) (int, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	discarded := 0
	for id, sub := range s.subs {
		expired := !sub.removed && !sub.Expiration.After(now)
		if expired || sub.removed && len(sub.queue) == 0 {
			discarded += len(sub.queue)
			delete(s.subs, id)
		}
	}
	return discarded, nil
}
