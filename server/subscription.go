package server

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/sync/errgroup"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/gen"
)

// Handshaker carries out the validation handshake with a subscriber's URL
// (package notify has the one the service uses).
type Handshaker interface {
	// Handshake checks rawURL, the value of the request's property
	// target: that notifications may go there (its scheme, the addresses
	// it resolves to), and that it answers the validation request as it
	// must. It answers an ErrInvalid *invitations.Error naming target, or
	// the context's error.
	Handshake(ctx context.Context, target, rawURL string) error
}

// errNoHandshaker answers subscriptions on a server built without a
// Handshaker: it could not check a subscriber's URL.
var errNoHandshaker = fmt.Errorf("%w: change notifications are not configured on this server", invitations.ErrUnavailable)

// CreateSubscription is POST /subscriptions: check, shake hands with the
// URLs, store.
func (h *handler) CreateSubscription(ctx context.Context, req gen.CreateSubscriptionRequestObject) (gen.CreateSubscriptionResponseObject, error) {
	caller := info(ctx).caller
	if err := caller.AuthorizeSubscribe(); err != nil {
		return nil, err
	}
	sub, err := subscriptionFromWire(*req.Body)
	if err != nil {
		return nil, err
	}
	now := h.now()
	sub = caller.NewSubscription(sub, now)
	if err := sub.Validate(now); err != nil {
		return nil, err
	}
	// A quota, checked before the handshakes, as Graph keeps one. Two
	// creates racing past it make one more; it bounds, it does not count.
	if live, err := h.store.ListSubscriptions(ctx, caller.Tenant, caller.Subject); err != nil {
		return nil, err
	} else if len(live) >= invitations.MaxSubscriptions {
		return nil, invitations.Errorf(invitations.ErrForbidden,
			"a caller may have at most %d live subscriptions; delete one, or let one expire, first", invitations.MaxSubscriptions)
	}
	if err := h.handshake(ctx, sub); err != nil {
		return nil, err
	}
	created, err := h.store.CreateSubscription(ctx, sub)
	if err != nil {
		return nil, err
	}
	loc := BasePath + "/subscriptions/" + created.ID
	return gen.CreateSubscription201JSONResponse{Body: subscriptionToWire(created),
		Headers: gen.CreateSubscription201ResponseHeaders{Location: &loc}}, nil
}

// handshake validates the subscription's URLs, both at once: each may take
// the handshake's whole time.
func (h *handler) handshake(ctx context.Context, sub invitations.Subscription) error {
	if h.handshaker == nil {
		return errNoHandshaker
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return h.handshaker.Handshake(gctx, "notificationUrl", sub.NotificationURL) })
	if sub.LifecycleURL != "" {
		g.Go(func() error { return h.handshaker.Handshake(gctx, "lifecycleNotificationUrl", sub.LifecycleURL) })
	}
	return g.Wait()
}

// ListSubscriptions is GET /subscriptions: the caller's own.
func (h *handler) ListSubscriptions(ctx context.Context, _ gen.ListSubscriptionsRequestObject) (gen.ListSubscriptionsResponseObject, error) {
	caller := info(ctx).caller
	if err := caller.AuthorizeSubscribe(); err != nil {
		return nil, err
	}
	subs, err := h.store.ListSubscriptions(ctx, caller.Tenant, caller.Subject)
	if err != nil {
		return nil, err
	}
	body := gen.SubscriptionCollection{Value: make([]gen.Subscription, len(subs))}
	for i, sub := range subs {
		body.Value[i] = subscriptionToWire(sub)
	}
	return gen.ListSubscriptions200JSONResponse{Body: body}, nil
}

// GetSubscription is GET /subscriptions/{id}.
func (h *handler) GetSubscription(ctx context.Context, req gen.GetSubscriptionRequestObject) (gen.GetSubscriptionResponseObject, error) {
	caller := info(ctx).caller
	if err := caller.AuthorizeSubscribe(); err != nil {
		return nil, err
	}
	sub, err := h.store.Subscription(ctx, caller.Tenant, caller.Subject, req.ID)
	if err != nil {
		return nil, err
	}
	return gen.GetSubscription200JSONResponse{Body: subscriptionToWire(sub)}, nil
}

// UpdateSubscription is PATCH /subscriptions/{id}: a renewal, after the
// handshakes again. Its creator coming without the permission to read
// invitations has lost it: the subscription is removed (its lifecycle URL
// is told), and the answer is the 403 it gets anyway. This is where the
// service learns of it, honestly: it sees a creator's permissions only in
// the tokens it is shown.
func (h *handler) UpdateSubscription(ctx context.Context, req gen.UpdateSubscriptionRequestObject) (gen.UpdateSubscriptionResponseObject, error) {
	caller := info(ctx).caller
	if err := caller.AuthorizeSubscribe(); err != nil {
		if rerr := h.store.RemoveSubscription(ctx, caller.Tenant, caller.Subject, req.ID); rerr != nil && !errors.Is(rerr, invitations.ErrNotFound) {
			return nil, rerr
		}
		return nil, err
	}
	exp := req.Body.ExpirationDateTime
	if err := invitations.CheckExpiration(exp, h.now()); err != nil {
		return nil, err
	}
	sub, err := h.store.Subscription(ctx, caller.Tenant, caller.Subject, req.ID)
	if err != nil {
		return nil, err
	}
	if err := h.handshake(ctx, sub); err != nil {
		return nil, err
	}
	renewed, err := h.store.RenewSubscription(ctx, caller.Tenant, caller.Subject, req.ID, exp)
	if err != nil {
		return nil, err
	}
	return gen.UpdateSubscription200JSONResponse{Body: subscriptionToWire(renewed)}, nil
}

// DeleteSubscription is DELETE /subscriptions/{id}.
func (h *handler) DeleteSubscription(ctx context.Context, req gen.DeleteSubscriptionRequestObject) (gen.DeleteSubscriptionResponseObject, error) {
	caller := info(ctx).caller
	if err := caller.AuthorizeSubscribe(); err != nil {
		return nil, err
	}
	if err := h.store.DeleteSubscription(ctx, caller.Tenant, caller.Subject, req.ID); err != nil {
		return nil, err
	}
	return gen.DeleteSubscription204Response{}, nil
}

// subscriptionFromWire takes what a creator may set; the read-only
// properties are ignored.
func subscriptionFromWire(w gen.SubscriptionCreate) (invitations.Subscription, error) {
	types, err := invitations.ParseChangeTypes(w.ChangeType)
	if err != nil {
		return invitations.Subscription{}, err
	}
	return invitations.Subscription{
		ChangeTypes:     types,
		NotificationURL: w.NotificationURL,
		LifecycleURL:    deref(w.LifecycleNotificationURL),
		ClientState:     deref(w.ClientState),
		Expiration:      w.ExpirationDateTime,
	}, nil
}

func subscriptionToWire(sub invitations.Subscription) gen.Subscription {
	return gen.Subscription{
		ID:                       sub.ID,
		Resource:                 gen.SubscriptionResource(invitations.SubscriptionResource),
		ChangeType:               sub.ChangeTypes.String(),
		NotificationURL:          sub.NotificationURL,
		LifecycleNotificationURL: optional(sub.LifecycleURL),
		ExpirationDateTime:       sub.Expiration.UTC(),
		ClientState:              optional(sub.ClientState),
		ApplicationID:            optional(sub.ApplicationID),
		CreatorID:                sub.Creator,
	}
}
