package memory

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/graph-linkedin/invitations"
)

// subscription is a subscription with its delivery state and its queue.
type subscription struct {
	invitations.Subscription
	removed    bool
	leaseOwner string
	leaseUntil time.Time
	due        time.Time // when a retry may be made; zero when not waiting
	attempts   int
	queue      []invitations.Notification // oldest first
}

// live reports whether sub is neither removed nor expired at now.
func (sub *subscription) live(now time.Time) bool {
	return !sub.removed && sub.Expiration.After(now)
}

// CreateSubscription stores sub.
func (s *Store) CreateSubscription(ctx context.Context, sub invitations.Subscription) (invitations.Subscription, error) {
	if err := ctx.Err(); err != nil {
		return invitations.Subscription{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subs[sub.ID] = &subscription{Subscription: sub}
	return sub, nil
}

// liveLocked returns the creator's live subscription with this id.
func (s *Store) liveLocked(tenant, creator, id string) (*subscription, error) {
	sub, ok := s.subs[id]
	if !ok || sub.Tenant != tenant || sub.Creator != creator || !sub.live(s.now()) {
		return nil, invitations.SubscriptionNotFoundError(id)
	}
	return sub, nil
}

// Subscription returns the creator's live subscription with this id.
func (s *Store) Subscription(_ context.Context, tenant, creator, id string) (invitations.Subscription, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sub, err := s.liveLocked(tenant, creator, id)
	if err != nil {
		return invitations.Subscription{}, err
	}
	return sub.Subscription, nil
}

// ListSubscriptions returns the creator's live subscriptions, oldest first.
func (s *Store) ListSubscriptions(_ context.Context, tenant, creator string) ([]invitations.Subscription, error) {
	now := s.now()
	s.mu.RLock()
	var out []invitations.Subscription
	for _, sub := range s.subs {
		if sub.Tenant == tenant && sub.Creator == creator && sub.live(now) {
			out = append(out, sub.Subscription)
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b invitations.Subscription) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// RenewSubscription sets the subscription's expiration.
func (s *Store) RenewSubscription(_ context.Context, tenant, creator, id string, expiration time.Time) (invitations.Subscription, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, err := s.liveLocked(tenant, creator, id)
	if err != nil {
		return invitations.Subscription{}, err
	}
	sub.Expiration = expiration.Truncate(time.Millisecond)
	return sub.Subscription, nil
}

// DeleteSubscription deletes the subscription and its queue.
func (s *Store) DeleteSubscription(_ context.Context, tenant, creator, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.liveLocked(tenant, creator, id); err != nil {
		return err
	}
	delete(s.subs, id)
	return nil
}

// RemoveSubscription removes the subscription, queueing its lifecycle
// notifications.
func (s *Store) RemoveSubscription(_ context.Context, tenant, creator, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, err := s.liveLocked(tenant, creator, id)
	if err != nil {
		return err
	}
	s.removeLocked(sub)
	return nil
}

// removeLocked removes a live subscription: its change notifications are
// discarded and its lifecycle notifications queued, or, without a
// lifecycle URL, it is deleted. It returns how many it discarded.
func (s *Store) removeLocked(sub *subscription) int {
	discarded := len(sub.queue)
	notices := invitations.RemovalNotices(sub.Subscription, discarded, s.now())
	if len(notices) == 0 {
		delete(s.subs, sub.ID)
		return discarded
	}
	sub.removed, sub.queue, sub.attempts, sub.due = true, nil, 0, time.Time{}
	sub.leaseOwner, sub.leaseUntil = "", time.Time{}
	for _, n := range notices {
		s.seq++
		n.Seq = s.seq
		sub.queue = append(sub.queue, n)
	}
	s.queued(len(notices))
	return discarded
}
