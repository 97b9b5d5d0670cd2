package client

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/graph-linkedin/invitations/client/raw"
)

// State is where an invitation is in its life cycle: pending when created,
// then accepted or ignored by its invitee (CloseInvitations). A closed
// invitation no longer changes; its inviter may still delete it, and may
// invite the same invitee again.
type State string

// The states, named as on the wire.
const (
	StatePending  State = "pending"
	StateAccepted State = "accepted"
	StateIgnored  State = "ignored"
)

// Action is how CloseInvitations closes invitations.
type Action string

// The actions, named as on the wire.
const (
	ActionAccept Action = "accept" // closes each invitation as StateAccepted
	ActionIgnore Action = "ignore" // closes each invitation as StateIgnored
)

// CloseResult is what CloseInvitations did to one invitation.
type CloseResult struct {
	ID string // the invitation, as the call named it
	// Err is nil when the invitation is closed by the action: now, or by an
	// earlier call with the same action. Otherwise the invitation is
	// unchanged and Err is an *Error with the Graph code and message, whose
	// kind errors.Is tells: ErrNotFound (itemNotFound: no such invitation
	// that the caller may see), ErrForbidden (accessDenied: the caller sees
	// it but may not close it, being its inviter) or ErrConflict (conflict:
	// the other action closed it already).
	Err error
}

// CloseInvitations is Graph's inviteeClosingInvitation action: the invitee
// accepts or ignores invitations, 1 to 100 in one call, each named once.
// It returns one result per id, in the order given; an entry that failed
// leaves the others be. The error is for the call as a whole: a caller
// without a write permission gets ErrForbidden, a bad list of ids
// ErrInvalid, and so on, with no results.
//
// A delegated caller closes only invitations whose invitee it is; an
// application with Invitations.ReadWrite.All closes any of its tenant's
// (the way to close invitations to email addresses and phone numbers).
//
// It is one method for both actions, rather than an Accept and an Ignore,
// because the action is usually data (a person's choice, passed through),
// and because the ids are a slice, the call takes RequestOptions as every
// other method does (WithClientRequestID, WithIdempotencyKey):
//
//	results, err := c.CloseInvitations(ctx, client.ActionAccept, []string{id})
//
// Every call sends an Idempotency-Key, a new one unless WithIdempotencyKey
// gives it, the same on each attempt, so it is retried as a create is (see
// RetryPolicy). That is safe even where the service does not record the
// key: closing is idempotent per invitation (the same action again succeeds
// and changes nothing), so a retry of a close the service carried out gets
// the same results, unless someone changed one of its invitations in
// between.
func (c *Client) CloseInvitations(ctx context.Context, action Action, ids []string, opts ...RequestOption) ([]CloseResult, error) {
	o := gather(opts)
	if ids == nil {
		ids = []string{} // so the service says what is wrong with an empty list, not with null
	}
	params := &raw.CloseInvitationsParams{IdempotencyKey: o.key(), ClientRequestID: o.requestID}
	body := raw.InviteeClosingInvitation{Action: raw.InviteeClosingInvitationAction(action), InvitationIDs: ids}
	res, err := c.gen.CloseInvitations(operation(ctx, "closeInvitations"), params, body)
	if err != nil {
		return nil, err
	}
	w, err := read[raw.InviteActionResults](c, res, http.StatusOK, "results")
	if err != nil {
		return nil, err
	}
	requestID := res.Header.Get("request-id")
	// The service answers one entry per id, in order; a result is only of
	// use with the right id, so an answer that is not so is an error.
	if len(w.Value) != len(ids) {
		return nil, fmt.Errorf("client: %d results for %d invitations (request-id %s)", len(w.Value), len(ids), requestID)
	}
	results := make([]CloseResult, len(ids))
	for i, v := range w.Value {
		if v.InvitationID != ids[i] {
			return nil, fmt.Errorf("client: result %d is for invitation %q, not %q (request-id %s)", i, v.InvitationID, ids[i], requestID)
		}
		results[i].ID = v.InvitationID
		if v.Status == raw.Succeeded {
			continue
		}
		e := &Error{RequestID: requestID, ClientRequestID: res.Header.Get("client-request-id"),
			Message: "the service gave no reason"}
		if v.Error != nil {
			e.Code, e.Message = string(v.Error.Code), v.Error.Message
		}
		results[i].Err = e
	}
	return results, nil
}

// PendingFor is the $filter (ListOptions.Filter) of the invitations waiting
// for invitee's answer: pending, with invitee as their invitee. A delegated
// caller lists the invitations it may accept or ignore with its own person
// URN (its token's sub). Join further conditions with " and ".
func PendingFor(invitee string) string {
	return "invitee eq '" + strings.ReplaceAll(invitee, "'", "''") + "' and state eq 'pending'"
}
