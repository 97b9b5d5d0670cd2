package invitations

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// How engines store an Outcome: JSON with names of its own, rather than
// columns, because each idempotent operation has an outcome of its own
// shape (a create's invitation or conflict; a batch's results, per id) and
// the engines never look inside it; a new operation then needs no new
// columns, and an engine stores one value. The names are spelled out here,
// not derived from the Go fields, so that a renamed field cannot change
// what is stored: a record written by one version replays in the next for
// as long as it lives (24 hours). The migrations that converted the
// earlier recorded responses (00003_idempotency_outcomes.sql on both
// engines) write this form too: keep them in step.

// storedOutcome is an Outcome as stored. Exactly one field is set.
type storedOutcome struct {
	Invitation *storedInvitation `json:"invitation,omitempty"`
	Refusal    *storedRefusal    `json:"refusal,omitempty"`
}

type storedInvitation struct {
	ID           string         `json:"id"`
	Tenant       string         `json:"tenant"`
	Inviter      string         `json:"inviter"`
	Invitee      string         `json:"invitee"`
	Message      *storedMessage `json:"message,omitempty"`
	TrackingID   string         `json:"trackingId,omitempty"`
	Created      int64          `json:"created"`      // milliseconds since the Unix epoch
	LastModified int64          `json:"lastModified"` // the same
	// State is "" in records written before the life cycle: pending, as
	// every created invitation is.
	State   State `json:"state,omitempty"`
	Closed  int64 `json:"closed,omitempty"` // milliseconds since the Unix epoch; 0 while pending
	Version int64 `json:"version"`
}

type storedMessage struct {
	TemplateID string `json:"templateId,omitempty"`
	Body       string `json:"body,omitempty"`
}

// storedRefusal is an *Error, its kind by name (see kindName).
type storedRefusal struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
	Target  string `json:"target,omitempty"`
}

// MarshalJSON writes o as engines store it (Replayed is not stored).
// Engines call it directly, on the write path: json.Marshal(o) would scan
// and compact its output once more, which costs as much again.
func (o Outcome) MarshalJSON() ([]byte, error) {
	var s storedOutcome
	switch {
	case o.Invitation != nil && o.Refusal == nil:
		inv := o.Invitation
		s.Invitation = &storedInvitation{ID: inv.ID, Tenant: inv.Tenant, Inviter: inv.Inviter, Invitee: inv.Invitee,
			TrackingID: inv.TrackingID, Created: inv.Created.UnixMilli(), LastModified: inv.LastModified.UnixMilli(),
			State: inv.State, Version: inv.Version}
		if !inv.Closed.IsZero() {
			s.Invitation.Closed = inv.Closed.UnixMilli()
		}
		if m := inv.Message; m != nil {
			s.Invitation.Message = &storedMessage{TemplateID: m.TemplateID, Body: m.Body}
		}
	case o.Refusal != nil && o.Invitation == nil:
		name := kindName(o.Refusal.Kind)
		if name == "" {
			return nil, fmt.Errorf("outcome: a refusal of no known kind: %v", o.Refusal.Kind)
		}
		s.Refusal = &storedRefusal{Kind: name, Message: o.Refusal.Message, Target: o.Refusal.Target}
	default:
		return nil, errors.New("outcome: want exactly one of an invitation and a refusal")
	}
	return json.Marshal(s)
}

// UnmarshalJSON reads an outcome as engines store it.
func (o *Outcome) UnmarshalJSON(data []byte) error {
	var s storedOutcome
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("outcome: %w", err)
	}
	switch {
	case s.Invitation != nil && s.Refusal == nil:
		si := s.Invitation
		inv := &Invitation{ID: si.ID, Tenant: si.Tenant, Inviter: si.Inviter, Invitee: si.Invitee, TrackingID: si.TrackingID,
			Created: time.UnixMilli(si.Created), LastModified: time.UnixMilli(si.LastModified), State: si.State,
			Version: si.Version}
		if inv.State == "" {
			inv.State = StatePending
		}
		if si.Closed != 0 {
			inv.Closed = time.UnixMilli(si.Closed)
		}
		if m := si.Message; m != nil {
			inv.Message = &Message{TemplateID: m.TemplateID, Body: m.Body}
		}
		*o = Outcome{Invitation: inv}
	case s.Refusal != nil && s.Invitation == nil:
		kind := kindNamed(s.Refusal.Kind)
		if kind == nil {
			return fmt.Errorf("outcome: a refusal of the unknown kind %q", s.Refusal.Kind)
		}
		*o = Outcome{Refusal: &Error{Kind: kind, Message: s.Refusal.Message, Target: s.Refusal.Target}}
	default:
		return fmt.Errorf("outcome: want exactly one of an invitation and a refusal in %s", data)
	}
	return nil
}
