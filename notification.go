package invitations

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// The outbox. Every write of an invitation (create, keyed create, update,
// delete, close) records, in its own transaction, one notification for
// each live subscription that is notified of it (Subscription.Notified):
// when the write is durable, so are its notifications, and a write that
// fails records none. A dispatcher then claims a subscription's queued
// notifications under a lease, POSTs them and acknowledges or retries them.
//
// Order: within an engine a notification's Seq grows with the commit order
// of the changes of one invitation (see each engine for why), so that a
// subscription's receiver learns of one invitation's changes in the order
// they happened. A subscription's notifications are delivered oldest Seq
// first, a batch at a time, and a batch is delivered only once those
// before it have been acknowledged.

// LifecycleEvent is an event in a subscription's life, which its
// lifecycle notification URL is told of.
type LifecycleEvent string

// The lifecycle events, named as on the wire.
const (
	// LifecycleMissed says change notifications were discarded undelivered.
	LifecycleMissed LifecycleEvent = "missed"
	// LifecycleRemoved says the service removed the subscription.
	LifecycleRemoved LifecycleEvent = "subscriptionRemoved"
)

// Notification is one queued notification of one subscription: a change
// to an invitation, or (once the subscription is removed) a lifecycle
// event.
type Notification struct {
	// Seq is its place in the engine's outbox: see the order above.
	Seq int64
	// ID is its stable id, the same on every attempt to deliver it.
	ID             string
	SubscriptionID string
	// Change is the change type, for a change notification; 0 otherwise.
	Change ChangeType
	// InvitationID is the invitation changed, for a change notification.
	InvitationID string
	// Lifecycle is the event, for a lifecycle notification; "" otherwise.
	Lifecycle LifecycleEvent
	// Queued is when it was recorded: the time of the change.
	Queued time.Time
}

// Delivery is a subscription's turn to be delivered, leased to one
// dispatcher: the subscription and the oldest of its queued notifications.
type Delivery struct {
	Subscription Subscription
	// Removed reports that the service removed the subscription: its
	// notifications are lifecycle ones, for Subscription.LifecycleURL.
	Removed bool
	// Attempts counts the failed attempts to deliver the first
	// notification, across instances and restarts.
	Attempts int
	// Notifications are the oldest queued ones, in order.
	Notifications []Notification
}

// RemovalNotices are the lifecycle notifications of sub, removed at now
// after discarding discarded change notifications: missed (when it
// discarded any) and then subscriptionRemoved; none without a lifecycle URL.
// Every engine queues these when it removes a subscription.
func RemovalNotices(sub Subscription, discarded int, now time.Time) []Notification {
	if sub.LifecycleURL == "" {
		return nil
	}
	var events []LifecycleEvent
	if discarded > 0 {
		events = append(events, LifecycleMissed)
	}
	events = append(events, LifecycleRemoved)
	out := make([]Notification, len(events))
	for i, e := range events {
		out[i] = Notification{ID: uuid.NewString(), SubscriptionID: sub.ID, Lifecycle: e, Queued: now.Truncate(time.Millisecond)}
	}
	return out
}

// Outbox is the dispatchers' side of the queued notifications. Every
// engine implements it as part of Store. A lease is a subscription held by
// one dispatcher (owner) until a time; the methods that take an owner act
// only while it holds the lease, so a dispatcher that lost its lease (it
// stalled past it, and another took over) changes nothing.
type Outbox interface {
	// ClaimDeliveries leases to owner, until until, up to limit
	// subscriptions that have queued notifications, are due (not waiting
	// out a retry's backoff) and are not leased, and returns each with its
	// first batch notifications. Of several dispatchers claiming at once,
	// each subscription goes to one.
	ClaimDeliveries(ctx context.Context, owner string, until time.Time, limit, batch int) ([]Delivery, error)

	// Acknowledge deletes the delivered notifications seqs of the
	// subscription, forgets its failed attempts, extends owner's lease to
	// until and returns its next batch notifications; when there are none
	// it releases the lease.
	Acknowledge(ctx context.Context, owner, subscriptionID string, seqs []int64, until time.Time, batch int) ([]Notification, error)

	// Retry releases owner's lease of the subscription after a failed
	// attempt: it is due again at due, attempts failed so far.
	Retry(ctx context.Context, owner, subscriptionID string, attempts int, due time.Time) error

	// Drop gives up on owner's leased subscription, whose first
	// notification could not be delivered in time: a live subscription is
	// removed (its change notifications discarded, its lifecycle
	// notifications queued: see RemovalNotices); a removed one is deleted
	// with what it still had queued. It returns how many notifications it
	// discarded.
	Drop(ctx context.Context, owner, subscriptionID string) (int, error)

	// PurgeSubscriptions deletes the subscriptions that expired, with what
	// they still had queued, and the removed ones with nothing left to
	// deliver; it returns how many queued notifications it discarded.
	PurgeSubscriptions(ctx context.Context) (int, error)
}
