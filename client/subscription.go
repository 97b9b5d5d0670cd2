package client

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"strings"
	"time"

	"github.com/graph-linkedin/invitations/client/raw"
)

// ChangeType is a kind of change to an invitation that a subscription is
// notified of.
type ChangeType string

// The change types, named as on the wire.
const (
	ChangeCreated ChangeType = "created"
	ChangeUpdated ChangeType = "updated" // an invitee's accept or ignore is an update too
	ChangeDeleted ChangeType = "deleted"
)

// MaxSubscriptionLifetime is how far ahead a subscription's expiration may
// be, when it is created or renewed.
const MaxSubscriptionLifetime = 3 * 24 * time.Hour

// Subscription is a subscription to change notifications of the invitations
// the caller may read (Microsoft Graph's subscription resource), as the
// service keeps it. Its resource is always linkedIn/invitations.
type Subscription struct {
	ID                       string
	ChangeTypes              []ChangeType
	NotificationURL          string
	LifecycleNotificationURL string    // "" when it has none
	Expiration               time.Time // expirationDateTime, UTC: nothing is sent after it
	ClientState              string    // "" when it has none
	ApplicationID            string    // the application that created it, when the service knows it
	CreatorID                string    // who created it: its token's sub
}

// NewSubscription is what CreateSubscription sends.
type NewSubscription struct {
	// ChangeTypes are the changes to be notified of: one or more, each once.
	ChangeTypes []ChangeType
	// NotificationURL is where the service POSTs change notifications: an
	// https URL (unless the service allows others) that answers the
	// validation handshake, as package webhook's Handler does.
	NotificationURL string
	// LifecycleNotificationURL, when given, is where the service POSTs
	// lifecycle notifications (missed, subscriptionRemoved); it answers
	// the handshake too. It may be NotificationURL itself.
	LifecycleNotificationURL string
	// Expiration is when the subscription ends: in the future, at most
	// MaxSubscriptionLifetime ahead. Renew it with RenewSubscription.
	Expiration time.Time
	// ClientState is a secret of yours, up to 128 characters, that every
	// notification carries back: a receiver checks it to tell the service's
	// notifications from forgeries.
	ClientState string
}

// CreateSubscription subscribes to changes of the invitations the caller may
// read: a delegated caller's own (as inviter or invitee), an application's
// tenant's. Before it answers, the service carries out the validation
// handshake with the URLs; one that fails it is ErrInvalid, with the
// property in Error.Target.
//
// It is not retried once the request was sent: the service takes no
// Idempotency-Key for it, and a retry of a create it carried out would make
// a second subscription.
func (c *Client) CreateSubscription(ctx context.Context, sub NewSubscription, opts ...RequestOption) (*Subscription, error) {
	o := gather(opts)
	res, err := c.gen.CreateSubscription(operation(ctx, "createSubscription"), &raw.CreateSubscriptionParams{ClientRequestID: o.requestID}, sub.wire())
	if err != nil {
		return nil, err
	}
	return c.subscriptionFrom(res, http.StatusCreated)
}

// GetSubscription gets one of the caller's subscriptions. Another caller's,
// an expired or a removed one fails with ErrNotFound.
func (c *Client) GetSubscription(ctx context.Context, id string, opts ...RequestOption) (*Subscription, error) {
	o := gather(opts)
	res, err := c.gen.GetSubscription(operation(ctx, "getSubscription"), id, &raw.GetSubscriptionParams{ClientRequestID: o.requestID})
	if err != nil {
		return nil, err
	}
	return c.subscriptionFrom(res, http.StatusOK)
}

// ListSubscriptions returns the caller's live subscriptions, oldest first.
// It stops at the first error, which it yields.
func (c *Client) ListSubscriptions(ctx context.Context, opts ...RequestOption) iter.Seq2[Subscription, error] {
	return func(yield func(Subscription, error) bool) {
		subs, err := c.listSubscriptions(ctx, opts)
		if err != nil {
			yield(Subscription{}, err)
			return
		}
		for _, sub := range subs {
			if !yield(sub, nil) {
				return
			}
		}
	}
}

func (c *Client) listSubscriptions(ctx context.Context, opts []RequestOption) ([]Subscription, error) {
	o := gather(opts)
	res, err := c.gen.ListSubscriptions(operation(ctx, "listSubscriptions"), &raw.ListSubscriptionsParams{ClientRequestID: o.requestID})
	if err != nil {
		return nil, err
	}
	w, err := read[raw.SubscriptionCollection](c, res, http.StatusOK, "subscriptions")
	if err != nil {
		return nil, err
	}
	subs := make([]Subscription, len(w.Value))
	for i, v := range w.Value {
		subs[i] = subscriptionFromWire(v)
	}
	return subs, nil
}

// RenewSubscription moves a subscription's expiration to expiration (at
// most MaxSubscriptionLifetime ahead) and returns it. The service repeats
// the validation handshake first.
func (c *Client) RenewSubscription(ctx context.Context, id string, expiration time.Time, opts ...RequestOption) (*Subscription, error) {
	o := gather(opts)
	res, err := c.gen.UpdateSubscription(operation(ctx, "updateSubscription"), id, &raw.UpdateSubscriptionParams{ClientRequestID: o.requestID},
		raw.SubscriptionUpdate{ExpirationDateTime: expiration.UTC()})
	if err != nil {
		return nil, err
	}
	return c.subscriptionFrom(res, http.StatusOK)
}

// DeleteSubscription deletes one of the caller's subscriptions: nothing more
// is sent for it, not even what was queued.
func (c *Client) DeleteSubscription(ctx context.Context, id string, opts ...RequestOption) error {
	o := gather(opts)
	res, err := c.gen.DeleteSubscription(operation(ctx, "deleteSubscription"), id, &raw.DeleteSubscriptionParams{ClientRequestID: o.requestID})
	if err != nil {
		return err
	}
	return c.noContent(res)
}

// subscriptionFrom reads an answer that carries a subscription and closes
// it.
func (c *Client) subscriptionFrom(res *http.Response, status int) (*Subscription, error) {
	w, err := read[raw.Subscription](c, res, status, "subscription")
	if err != nil {
		return nil, err
	}
	sub := subscriptionFromWire(w)
	return &sub, nil
}

// MarshalJSON writes the subscription as the API does.
func (s Subscription) MarshalJSON() ([]byte, error) { return json.Marshal(s.wire()) }

// UnmarshalJSON reads what MarshalJSON writes, or the API's JSON.
func (s *Subscription) UnmarshalJSON(b []byte) error {
	var w raw.Subscription
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*s = subscriptionFromWire(w)
	return nil
}

func subscriptionFromWire(w raw.Subscription) Subscription {
	return Subscription{
		ID:                       w.ID,
		ChangeTypes:              changeTypes(w.ChangeType),
		NotificationURL:          w.NotificationURL,
		LifecycleNotificationURL: deref(w.LifecycleNotificationURL),
		Expiration:               w.ExpirationDateTime.UTC(),
		ClientState:              deref(w.ClientState),
		ApplicationID:            deref(w.ApplicationID),
		CreatorID:                w.CreatorID,
	}
}

func (s Subscription) wire() raw.Subscription {
	return raw.Subscription{
		ID:                       s.ID,
		Resource:                 raw.SubscriptionResourceLinkedInInvitations,
		ChangeType:               joinChangeTypes(s.ChangeTypes),
		NotificationURL:          s.NotificationURL,
		LifecycleNotificationURL: optional(s.LifecycleNotificationURL),
		ExpirationDateTime:       s.Expiration.UTC(),
		ClientState:              optional(s.ClientState),
		ApplicationID:            optional(s.ApplicationID),
		CreatorID:                s.CreatorID,
	}
}

func (n NewSubscription) wire() raw.SubscriptionCreate {
	return raw.SubscriptionCreate{
		ChangeType:               joinChangeTypes(n.ChangeTypes),
		NotificationURL:          n.NotificationURL,
		LifecycleNotificationURL: optional(n.LifecycleNotificationURL),
		Resource:                 raw.SubscriptionCreateResourceLinkedInInvitations,
		ExpirationDateTime:       n.Expiration.UTC(),
		ClientState:              optional(n.ClientState),
	}
}

// joinChangeTypes is the wire form of a set of change types: a comma list.
func joinChangeTypes(ts []ChangeType) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = string(t)
	}
	return strings.Join(names, ",")
}

func changeTypes(s string) []ChangeType {
	if s == "" {
		return nil
	}
	var ts []ChangeType
	for name := range strings.SplitSeq(s, ",") {
		ts = append(ts, ChangeType(name))
	}
	return ts
}
