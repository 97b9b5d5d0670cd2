package invitations

import (
	"time"
)

// An invitation's life cycle, LinkedIn's: it is pending when created; its
// invitee closes it by accepting or ignoring it (Graph's
// inviteeClosingInvitation action); its inviter withdraws it by deleting it.
// A closed invitation keeps its state and closed time, can be read and
// deleted, and changes no more. Only pending invitations count for "one
// invitation per inviter and invitee": after a close, the inviter may
// invite the same invitee again.

// State is where an invitation is in its life cycle.
type State string

// The states, named as on the wire.
const (
	StatePending  State = "pending"
	StateAccepted State = "accepted"
	StateIgnored  State = "ignored"
)

// Valid reports whether s is one of the states.
func (s State) Valid() bool {
	return s == StatePending || s == StateAccepted || s == StateIgnored
}

// Action is how an invitee closes an invitation.
type Action string

// The actions, named as on the wire.
const (
	ActionAccept Action = "accept"
	ActionIgnore Action = "ignore"
)

// State is the state the action closes an invitation in ("" for an action
// that is none of the actions).
func (a Action) State() State {
	switch a {
	case ActionAccept:
		return StateAccepted
	case ActionIgnore:
		return StateIgnored
	}
	return ""
}

// MaxCloseIDs is the most invitations one request may close.
const MaxCloseIDs = 100

// CloseRequest is one inviteeClosingInvitation: a caller closing
// invitations of its tenant by one action.
type CloseRequest struct {
	Caller Caller
	Action Action
	IDs    []string // 1 to MaxCloseIDs, each once
}

// Validate checks what the caller sent: the HTTP layer checks the same
// from openapi.yaml; checking here keeps every other path into a Store as
// strict.
func (r CloseRequest) Validate() error {
	if r.Action.State() == "" {
		return Invalidf("action", "%q is not an action; use %s or %s", r.Action, ActionAccept, ActionIgnore)
	}
	switch n := len(r.IDs); {
	case n == 0:
		return Invalidf("invitationIds", "empty; name 1 to %d invitations", MaxCloseIDs)
	case n > MaxCloseIDs:
		return Invalidf("invitationIds", "%d ids; at most %d in one request", n, MaxCloseIDs)
	}
	seen := make(map[string]int, len(r.IDs))
	for i, id := range r.IDs {
		if first, dup := seen[id]; dup {
			return Invalidf("invitationIds", "%s is given twice (items %d and %d); name each invitation once", id, first, i)
		}
		seen[id] = i
	}
	return nil
}

// CloseResult is what a close request did to one of its invitations.
type CloseResult struct {
	ID string
	// Invitation is the invitation as stored after the request, when Err is
	// nil; the zero value in a replayed outcome (see Outcome.CloseResults).
	Invitation Invitation
	// Changed reports whether this request closed the invitation; false
	// when the same action had closed it before (the repeat succeeds and
	// changes nothing).
	Changed bool
	// Err is why this invitation was not closed: an *Error of kind
	// ErrNotFound, ErrForbidden or ErrConflict. The request's other
	// invitations are unaffected by it.
	Err error
}

// Decide decides the request for one of its ids: inv is the invitation with
// that id in the caller's tenant, or nil when there is none. It reports
// whether to close inv now (in r.Action.State()), or why the entry fails;
// neither for an invitation the same action closed before. Every engine
// decides through it, on the invitation as committed and held still (a
// locked row, the one writer), so that of two requests closing one
// invitation at once exactly one changes it.
func (r CloseRequest) Decide(id string, inv *Invitation) (close bool, err error) {
	if inv == nil || !r.Caller.Sees(*inv) {
		return false, NotFoundError(id)
	}
	if err := r.Caller.AuthorizeClose(*inv); err != nil {
		return false, err
	}
	switch want := r.Action.State(); inv.State {
	case StatePending:
		return true, nil
	case want:
		return false, nil
	default:
		return false, &Error{Kind: ErrConflict, Target: "state",
			Message: "invitation " + id + " was " + string(inv.State) + " already; it cannot be " + string(want) + " too"}
	}
}

// CloseAs returns inv closed in state at now: closed and lastModified are
// now, to the millisecond, but never before lastModified plus one (a clock
// that stood still or went back still moves lastModified forward), and the
// version is one more. Every engine stores what it returns: the SQL
// engines write its times in their UPDATE, on the row it was computed from.
func (inv Invitation) CloseAs(state State, now time.Time) Invitation {
	at := now.Truncate(time.Millisecond)
	if next := inv.LastModified.Add(time.Millisecond); at.Before(next) {
		at = next
	}
	inv.State, inv.Closed, inv.LastModified = state, at, at
	inv.Version++
	return inv
}

// ClosedError is the refusal to change a closed invitation: an ErrConflict
// about its state.
func ClosedError(inv Invitation) error {
	return &Error{Kind: ErrConflict, Target: "state",
		Message: "state: invitation " + inv.ID + " was " + string(inv.State) + "; a closed invitation cannot be changed (it can be deleted)"}
}
