// Package webhook receives the service's change notifications. A Handler
// is the http.Handler of a subscription's notificationUrl (and of its
// lifecycleNotificationUrl, which may be the same URL): it answers the
// validation handshake, refuses notifications whose clientState is not
// yours, decodes the rest and hands them, in order, to your functions, and
// acknowledges a POST only when they all returned nil, so that a failure
// makes the service send it again.
//
//	h := &webhook.Handler{
//		ClientState: secret, // the subscription's clientState
//		OnChange: func(ctx context.Context, n webhook.Change) error {
//			inv, err := c.GetInvitation(ctx, n.InvitationID) // a notification names the invitation only
//			...
//		},
//		Dedupe: webhook.NewDedupe(10_000),
//	}
//	http.Handle("/notify", h)
//
// Delivery is at least once: the service sends a notification again when it
// got no 2xx in time, even if your function did its work. Dedupe drops a
// notification whose id it remembers (in memory, the most recent ones
// only), which makes the repeats rare; a function whose work must happen
// once is idempotent by itself, keyed by the notification's ID, say.
//
// Answer within 10 seconds (the service's default timeout): do the slow work
// elsewhere, after recording what to do.
package webhook

import (
	"time"

	"github.com/graph-linkedin/invitations/client"
)

// Change is a change notification: an invitation that the subscription sees
// was created, updated (an invitee's accept or ignore is an update) or
// deleted. It does not carry the invitation: get it with the client's
// GetInvitation (a deleted one is gone).
type Change struct {
	// ID is the notification's id, the same on every attempt to deliver it.
	ID                     string
	SubscriptionID         string
	SubscriptionExpiration time.Time // when the subscription ends, as of the delivery
	ChangeType             client.ChangeType
	InvitationID           string // resourceData.id
	// Resource is the invitation's path under the API's base URL:
	// linkedIn/invitations/{id}.
	Resource    string
	ClientState string
	TenantID    string
}

// Lifecycle is a lifecycle notification: an event in the life of a
// subscription, sent to its lifecycleNotificationUrl.
type Lifecycle struct {
	ID                     string // the notification's id, the same on every attempt
	SubscriptionID         string
	SubscriptionExpiration time.Time // when the subscription would have ended
	Event                  LifecycleEvent
	ClientState            string
	TenantID               string
}

// LifecycleEvent is what happened to a subscription.
type LifecycleEvent string

// The lifecycle events, named as on the wire.
const (
	// Missed says change notifications were dropped undelivered, after
	// failing for the service's whole retry window: list the invitations
	// to catch up.
	Missed LifecycleEvent = "missed"
	// SubscriptionRemoved says the service removed the subscription (it
	// failed for too long, or its creator lost access) and sends nothing
	// more for it: create a new one.
	SubscriptionRemoved LifecycleEvent = "subscriptionRemoved"
)
