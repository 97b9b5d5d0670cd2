package invitations

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Change notifications, the Microsoft Graph way: a caller subscribes to
// the invitations it may read, and the service POSTs a notification to the
// subscriber's URL for every change it could have read at the time of the
// change. Every engine records the notifications in the same transaction
// as the change (an outbox, see notification.go), and a dispatcher (package
// notify) delivers them at least once while the subscription lives.

// SubscriptionResource is what a subscription watches: the one resource.
const SubscriptionResource = "linkedIn/invitations"

// Limits of a subscription, Graph's for most resources.
const (
	// MaxSubscriptionLifetime is how far ahead a subscription's expiration
	// may be, when it is created or renewed.
	MaxSubscriptionLifetime = 3 * 24 * time.Hour
	// MaxClientState is the longest clientState, in characters.
	MaxClientState = 128
	// MaxNotificationURL is the longest notification URL, in bytes.
	MaxNotificationURL = 2048
	// MaxSubscriptions is how many live subscriptions one caller may have:
	// each costs every write of the invitations it sees a notification.
	MaxSubscriptions = 100
)

// ChangeType is a kind of change to an invitation, as a bit, so that a
// subscription's change types are a set of them (a ChangeType too).
type ChangeType uint8

// The change types, named on the wire as String says. Closing an invitation
// (accepting or ignoring it) is an update.
const (
	ChangeCreated ChangeType = 1 << iota
	ChangeUpdated
	ChangeDeleted
)

// changeNames are the change types in their canonical order.
var changeNames = []struct {
	t    ChangeType
	name string
}{{ChangeCreated, "created"}, {ChangeUpdated, "updated"}, {ChangeDeleted, "deleted"}}

// String is the set's wire form: its change types' names, comma-separated,
// in the canonical order (created, updated, deleted).
func (c ChangeType) String() string {
	var names []string
	for _, n := range changeNames {
		if c&n.t != 0 {
			names = append(names, n.name)
		}
	}
	return strings.Join(names, ",")
}

// Has reports whether the set c includes every change type of t.
func (c ChangeType) Has(t ChangeType) bool { return t != 0 && c&t == t }

// ParseChangeTypes reads a comma-separated list of change types, each named
// at most once.
func ParseChangeTypes(s string) (ChangeType, error) {
	var set ChangeType
	for name := range strings.SplitSeq(s, ",") {
		var t ChangeType
		for _, n := range changeNames {
			if n.name == name {
				t = n.t
			}
		}
		switch {
		case t == 0:
			return 0, Invalidf("changeType", "%q is not a change type; use created, updated and deleted, comma-separated", name)
		case set&t != 0:
			return 0, Invalidf("changeType", "%s is named twice", name)
		}
		set |= t
	}
	return set, nil
}

// Subscription is a caller's subscription to change notifications of the
// invitations it may read.
type Subscription struct {
	ID     string
	Tenant string
	// Creator is who created it: the caller's subject (a user's person URN,
	// or an application's id). Only its creator sees it.
	Creator string
	// Party is whose invitations it is notified of: a delegated creator's
	// own (as inviter or invitee), or, when "", every invitation of the
	// tenant (an application's). See Sees.
	Party string
	// ApplicationID is the application that created it, when known.
	ApplicationID   string
	ChangeTypes     ChangeType
	NotificationURL string
	// LifecycleURL is where lifecycle notifications go; "" for none.
	LifecycleURL string
	ClientState  string // "" when absent
	Expiration   time.Time
	Created      time.Time
}

// NewSubscription returns the subscription caller asks for, with a new id,
// created now; Validate checks it.
func (c Caller) NewSubscription(sub Subscription, now time.Time) Subscription {
	sub.ID = uuid.NewString()
	sub.Tenant, sub.Creator, sub.Party = c.Tenant, c.Subject, c.Party()
	sub.ApplicationID = c.Application
	if sub.ApplicationID == "" && !c.Delegated() {
		sub.ApplicationID = c.Subject // an application's token is its own
	}
	sub.Created = now.Truncate(time.Millisecond)
	sub.Expiration = sub.Expiration.Truncate(time.Millisecond)
	return sub
}

// Validate checks what the creator gave at now. The HTTP layer enforces
// the same from openapi.yaml, and checks the URLs by the validation
// handshake; checking here keeps every other path into a store as strict.
func (sub Subscription) Validate(now time.Time) error {
	switch {
	case sub.ChangeTypes == 0 || sub.ChangeTypes&^(ChangeCreated|ChangeUpdated|ChangeDeleted) != 0:
		return Invalidf("changeType", "name one or more of created, updated and deleted")
	case sub.NotificationURL == "":
		return Invalidf("notificationUrl", "property is missing")
	case len(sub.NotificationURL) > MaxNotificationURL:
		return Invalidf("notificationUrl", "longer than %d bytes", MaxNotificationURL)
	case len(sub.LifecycleURL) > MaxNotificationURL:
		return Invalidf("lifecycleNotificationUrl", "longer than %d bytes", MaxNotificationURL)
	case utf8.RuneCountInString(sub.ClientState) > MaxClientState:
		return Invalidf("clientState", "longer than %d characters", MaxClientState)
	case strings.IndexByte(sub.ClientState, 0) >= 0:
		return Invalidf("clientState", "contains the NUL character (U+0000), which cannot be stored")
	}
	return CheckExpiration(sub.Expiration, now)
}

// CheckExpiration checks a subscription's expiration, given at now: in the
// future, and at most MaxSubscriptionLifetime ahead.
func CheckExpiration(exp, now time.Time) error {
	switch {
	case !exp.After(now):
		return Invalidf("expirationDateTime", "%s is not in the future", exp.UTC().Format(time.RFC3339Nano))
	case exp.Sub(now) > MaxSubscriptionLifetime:
		return Invalidf("expirationDateTime", "%s is more than 3 days ahead (at most %s)",
			exp.UTC().Format(time.RFC3339Nano), now.Add(MaxSubscriptionLifetime).UTC().Format(time.RFC3339))
	}
	return nil
}

// Sees reports whether the subscription is notified of changes to inv: the
// visibility of its creator at the time of the change (see Caller.Sees).
// The engines apply the same rule in their SQL when they record a change.
func (sub Subscription) Sees(inv Invitation) bool { return sees(sub.Tenant, sub.Party, inv) }

// Notified reports whether a change of type t to inv, made at now, is
// queued for the subscription.
func (sub Subscription) Notified(t ChangeType, inv Invitation, now time.Time) bool {
	return sub.ChangeTypes.Has(t) && sub.Expiration.After(now) && sub.Sees(inv)
}

// AuthorizeSubscribe checks that the caller may subscribe to, and manage
// its subscriptions to, invitations: as Graph does, it must be able to read
// them.
func (c Caller) AuthorizeSubscribe() error {
	if c.CanRead() {
		return nil
	}
	if c.Delegated() {
		return Errorf(ErrForbidden, "subscriptions to invitations need the %s or %s permission", PermRead, PermReadWrite)
	}
	return Errorf(ErrForbidden, "subscriptions to invitations need the %s or %s permission", PermReadAll, PermReadWriteAll)
}

// SubscriptionNotFoundError is the one answer for a subscription that does
// not exist, is not the caller's, or has expired or been removed.
func SubscriptionNotFoundError(id string) error {
	return Errorf(ErrNotFound, "subscription %s does not exist", id)
}

// SubscriptionStore keeps subscriptions. Every engine implements it as part
// of Store; "now" is the engine's clock. A subscription is live until its
// expiration or its removal; the others are gone for these methods.
type SubscriptionStore interface {
	// CreateSubscription stores sub (see Caller.NewSubscription): changes
	// committed after it returns are queued for it.
	CreateSubscription(ctx context.Context, sub Subscription) (Subscription, error)

	// Subscription returns the creator's live subscription with this id,
	// or ErrNotFound (SubscriptionNotFoundError).
	Subscription(ctx context.Context, tenant, creator, id string) (Subscription, error)

	// ListSubscriptions returns the creator's live subscriptions, oldest
	// first.
	ListSubscriptions(ctx context.Context, tenant, creator string) ([]Subscription, error)

	// RenewSubscription sets the expiration of the creator's live
	// subscription with this id, and returns it; ErrNotFound if there is
	// none.
	RenewSubscription(ctx context.Context, tenant, creator, id string, expiration time.Time) (Subscription, error)

	// DeleteSubscription deletes the creator's live subscription with this
	// id and discards its queued notifications, sending nothing more;
	// ErrNotFound if there is none.
	DeleteSubscription(ctx context.Context, tenant, creator, id string) error

	// RemoveSubscription removes the creator's live subscription with this
	// id, as the service does when its creator has lost access: it discards
	// its queued change notifications and queues its lifecycle
	// notifications instead (see RemovalNotices). ErrNotFound if there is
	// none.
	RemoveSubscription(ctx context.Context, tenant, creator, id string) error
}
