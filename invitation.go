// Package invitations is the domain of a Microsoft Graph LinkedIn invitations
// service: the Invitation resource, who may do what with it (Caller), the
// kinds of error, and the Store contract that each database engine fulfils.
// Subpackages implement it: sqlite (the embedded default), postgres (for
// several instances over one database), server (HTTP), jwtauth (access
// tokens); storetest holds the conformance suite both engines pass, and
// cmd/invitationsd wires them together.
package invitations

import (
	"context"
	"crypto/rand"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// MaxMessageBody is the longest custom message body, in characters
// (LinkedIn's visible limit).
const MaxMessageBody = 300

// Invitation is an invitation from a LinkedIn member (Inviter) to connect with
// someone (Invitee), within one tenant.
type Invitation struct {
	ID           string
	Tenant       string
	Created      time.Time
	LastModified time.Time
	Inviter      string // urn:li:person:{id}
	Invitee      string // a person, emailAddress, phoneAccount or email URN
	Message      *Message
	TrackingID   string // "" when absent
	// State is where the invitation is in its life cycle (see close.go).
	State State
	// Closed is when the invitee closed it; zero while it is pending.
	Closed time.Time
	// Version counts the invitation's writes, starting at 1; it is its ETag.
	Version int64
}

// Stamp returns inv as a store creates it: a new id (a UUID, see newID),
// created and lastModified now, to the millisecond as on the wire, pending,
// and version 1.
func (inv Invitation) Stamp(now time.Time) Invitation {
	inv.ID = newID(now)
	inv.Created = now.Truncate(time.Millisecond)
	inv.LastModified = inv.Created
	inv.State, inv.Closed = StatePending, time.Time{}
	inv.Version = 1
	return inv
}

// newID is a new invitation's id: a version 7 UUID (RFC 9562) of the time
// t, its first 48 bits t in milliseconds and 74 random bits after the
// version and variant. The ids a store makes follow the order they are
// made in, so the B-tree of their primary key (SQLite's and PostgreSQL's)
// grows at its end, where a random (version 4) id put every create's entry
// on a random page of it, a page more for each durable commit to write: a
// SQLite create wrote 7.9 KB, and 3.8 KB with these ids
// (sqlite.BenchmarkCreateKeyed). The id tells no more than the
// invitation's created does. Not uuid.NewV7: it stamps the wall clock, not
// the store's (which created is), under a process-wide mutex, and reads its
// random bits through an io.Reader, which costs an allocation a create.
func newID(t time.Time) string {
	var u uuid.UUID
	rand.Read(u[6:]) // never fails (crypto/rand, Go 1.24 and later)
	ms := uint64(t.UnixMilli())
	u[0], u[1], u[2], u[3], u[4], u[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	u[6] = u[6]&0x0f | 0x70 // version 7
	u[8] = u[8]&0x3f | 0x80 // the RFC's variant
	return u.String()
}

// Message is an invitation's message: a template, or a custom body, or both.
// An empty Body means LinkedIn's default message.
type Message struct {
	TemplateID string
	Body       string
}

var (
	personURN  = regexp.MustCompile(`^urn:li:person:[A-Za-z0-9_-]+$`)
	inviteeURN = regexp.MustCompile(`^urn:li:(person:[A-Za-z0-9_-]+|emailAddress:[A-Za-z0-9_-]+|phoneAccount:[A-Za-z0-9_-]+|email:[^\s@]+@[^\s@]+\.[^\s@]+)$`)
)

// IsPersonURN reports whether s is a LinkedIn person URN.
func IsPersonURN(s string) bool { return personURN.MatchString(s) }

// Validate checks the properties a caller supplies. The HTTP layer enforces
// the same rules from openapi.yaml; checking here as well keeps every other
// path into a Store (tools, tests, later transports) just as strict.
func (inv *Invitation) Validate() error {
	switch {
	case inv.Inviter == "":
		return Invalidf("inviter", "property is missing")
	case !personURN.MatchString(inv.Inviter):
		return Invalidf("inviter", "%q is not a person URN (urn:li:person:{id})", inv.Inviter)
	case inv.Invitee == "":
		return Invalidf("invitee", "property is missing")
	case !inviteeURN.MatchString(inv.Invitee):
		return Invalidf("invitee", "%q is not a person, emailAddress, phoneAccount or email URN", inv.Invitee)
	}
	if m := inv.Message; m != nil && utf8.RuneCountInString(m.Body) > MaxMessageBody {
		return Invalidf("message.invitationMessage.body", "longer than %d characters", MaxMessageBody)
	}
	// PostgreSQL's text cannot hold NUL; refusing it here keeps the engines
	// alike, and a 400 rather than the database's error.
	type text struct{ target, value string }
	texts := []text{{"invitee", inv.Invitee}, {"trackingId", inv.TrackingID}}
	if m := inv.Message; m != nil {
		texts = append(texts, text{"message.invitationTemplateID", m.TemplateID}, text{"message.invitationMessage.body", m.Body})
	}
	for _, t := range texts {
		if strings.IndexByte(t.value, 0) >= 0 {
			return Invalidf(t.target, "contains the NUL character (U+0000), which cannot be stored")
		}
	}
	return nil
}

// Store keeps invitations. Implementations translate their driver's errors
// into this package's kinds (ErrConflict, ErrUnavailable, ...).
type Store interface {
	// CreateInvitation stores inv, pending, assigning its ID, Created and
	// LastModified, and returns what was stored. It returns ErrConflict when
	// the tenant already has a pending invitation from inv.Inviter to
	// inv.Invitee. When it returns without error the invitation is durable.
	CreateInvitation(ctx context.Context, inv Invitation) (Invitation, error)

	// Invitation returns the tenant's invitation with this id, or ErrNotFound.
	Invitation(ctx context.Context, tenant, id string) (Invitation, error)

	// ListInvitations returns a page of the invitations q selects, in q's
	// order (ties broken by id in the same direction).
	ListInvitations(ctx context.Context, q Query) (Page, error)

	// UpdateInvitation replaces the changeable properties (Message,
	// TrackingID) of the invitation inv.ID in inv.Tenant, if its version is
	// still version: ErrPreconditionFailed if it has changed, ErrNotFound if
	// it is gone, ClosedError (an ErrConflict) if it is closed. It moves
	// LastModified forward, increments Version and returns what was stored.
	UpdateInvitation(ctx context.Context, inv Invitation, version int64) (Invitation, error)

	// DeleteInvitation deletes the tenant's invitation with this id if its
	// version is version (any version when version is 0): ErrNotFound if
	// there is none, ErrPreconditionFailed if its version differs.
	DeleteInvitation(ctx context.Context, tenant, id string, version int64) error

	// CloseInvitations carries out r, which is valid (see
	// CloseRequest.Validate): for each of r.IDs it decides by r.Decide, on
	// the invitation as committed and held still, and closes it (CloseAs
	// at the store's clock) if so. It returns one result per id, in r's
	// order. Entries are independent: one that fails changes nothing and
	// leaves the others be. The whole request is one transaction: when it
	// returns without error every change is durable; an error means that
	// nothing changed.
	CloseInvitations(ctx context.Context, r CloseRequest) ([]CloseResult, error)

	// Ping reports whether the database is reachable.
	Ping(ctx context.Context) error

	// IdempotencyStore carries out creates and closes under an
	// Idempotency-Key and keeps their outcomes (see idempotency.go).
	IdempotencyStore

	// SubscriptionStore keeps subscriptions to change notifications, and
	// Outbox the notifications every write queues for them (see
	// subscription.go and notification.go).
	SubscriptionStore
	Outbox
}
