package invitations

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
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
// Records written before closes were idempotent have no closeResults:
// they read as they did.
type storedOutcome struct {
	Invitation   *storedInvitation   `json:"invitation,omitempty"`
	Refusal      *storedRefusal      `json:"refusal,omitempty"`
	CloseResults []storedCloseResult `json:"closeResults,omitempty"`
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

// storedCloseResult is a CloseResult as stored: what the answer needs (the
// id, and why it failed if it did) and whether the request closed it. The
// invitation is not kept: no answer shows it, and a record of 100 entries
// stays small.
type storedCloseResult struct {
	ID      string         `json:"id"`
	Changed bool           `json:"changed,omitempty"`
	Error   *storedRefusal `json:"error,omitempty"`
}

// storeRefusal is e as stored.
func storeRefusal(e *Error) (*storedRefusal, error) {
	name := kindName(e.Kind)
	if name == "" {
		return nil, fmt.Errorf("outcome: a refusal of no known kind: %v", e.Kind)
	}
	return &storedRefusal{Kind: name, Message: e.Message, Target: e.Target}, nil
}

// refusal is the *Error r stores.
func (r *storedRefusal) refusal() (*Error, error) {
	kind := kindNamed(r.Kind)
	if kind == nil {
		return nil, fmt.Errorf("outcome: a refusal of the unknown kind %q", r.Kind)
	}
	return &Error{Kind: kind, Message: r.Message, Target: r.Target}, nil
}

// MarshalJSON writes o as engines store it (Replayed is not stored).
// Engines call it directly, on the write path: json.Marshal(o) would scan
// and compact its output once more, which costs as much again.
func (o Outcome) MarshalJSON() ([]byte, error) {
	var s storedOutcome
	switch {
	case !exactlyOne(o.Invitation != nil, o.Refusal != nil, len(o.CloseResults) > 0):
		return nil, errors.New("outcome: want exactly one of an invitation, a refusal and close results")
	case o.Invitation != nil:
		// Every keyed create stores one: written directly, with the bytes
		// json.Marshal writes of a storedOutcome (TestOutcomeStoredForm,
		// FuzzInvitationOutcome), at a fraction of its cost.
		inv := o.Invitation
		n := 192 + len(inv.ID) + len(inv.Tenant) + len(inv.Inviter) + len(inv.Invitee) + len(inv.TrackingID)
		if inv.Message != nil {
			n += len(inv.Message.TemplateID) + len(inv.Message.Body)
		}
		return appendInvitation(make([]byte, 0, n), inv), nil
	case o.Refusal != nil:
		r, err := storeRefusal(o.Refusal)
		if err != nil {
			return nil, err
		}
		s.Refusal = r
	default:
		s.CloseResults = make([]storedCloseResult, len(o.CloseResults))
		for i, res := range o.CloseResults {
			sr := storedCloseResult{ID: res.ID, Changed: res.Changed}
			if res.Err != nil {
				var e *Error
				if !errors.As(res.Err, &e) {
					return nil, fmt.Errorf("outcome: the close of %s failed with %v, not an *Error", res.ID, res.Err)
				}
				r, err := storeRefusal(e)
				if err != nil {
					return nil, err
				}
				sr.Error = r
			}
			s.CloseResults[i] = sr
		}
	}
	return json.Marshal(s)
}

// appendInvitation appends the outcome of inv created, as stored: what
// json.Marshal writes of a storedOutcome holding it, field for field.
func appendInvitation(b []byte, inv *Invitation) []byte {
	b = append(b, `{"invitation":{"id":`...)
	b = appendString(b, inv.ID)
	b = append(b, `,"tenant":`...)
	b = appendString(b, inv.Tenant)
	b = append(b, `,"inviter":`...)
	b = appendString(b, inv.Inviter)
	b = append(b, `,"invitee":`...)
	b = appendString(b, inv.Invitee)
	if m := inv.Message; m != nil {
		b = append(b, `,"message":{`...)
		if m.TemplateID != "" {
			b = append(b, `"templateId":`...)
			b = appendString(b, m.TemplateID)
		}
		if m.Body != "" {
			if m.TemplateID != "" {
				b = append(b, ',')
			}
			b = append(b, `"body":`...)
			b = appendString(b, m.Body)
		}
		b = append(b, '}')
	}
	if inv.TrackingID != "" {
		b = append(b, `,"trackingId":`...)
		b = appendString(b, inv.TrackingID)
	}
	b = append(b, `,"created":`...)
	b = strconv.AppendInt(b, inv.Created.UnixMilli(), 10)
	b = append(b, `,"lastModified":`...)
	b = strconv.AppendInt(b, inv.LastModified.UnixMilli(), 10)
	if inv.State != "" {
		b = append(b, `,"state":`...)
		b = appendString(b, string(inv.State))
	}
	if !inv.Closed.IsZero() && inv.Closed.UnixMilli() != 0 {
		b = append(b, `,"closed":`...)
		b = strconv.AppendInt(b, inv.Closed.UnixMilli(), 10)
	}
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, inv.Version, 10)
	return append(b, "}}"...)
}

// appendString appends s as encoding/json writes it. The strings of an
// outcome are mostly ids and URNs, printable ASCII that needs no escape:
// those are copied; any other is written by encoding/json itself (which
// escapes HTML's <, > and &, and more), so the bytes are always its.
func appendString(b []byte, s string) []byte {
	for i := range len(s) {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// UnmarshalJSON reads an outcome as engines store it.
func (o *Outcome) UnmarshalJSON(data []byte) error {
	var s storedOutcome
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("outcome: %w", err)
	}
	if !exactlyOne(s.Invitation != nil, s.Refusal != nil, len(s.CloseResults) > 0) {
		return fmt.Errorf("outcome: want exactly one of an invitation, a refusal and close results in %s", data)
	}
	switch {
	case s.Invitation != nil:
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
	case s.Refusal != nil:
		r, err := s.Refusal.refusal()
		if err != nil {
			return err
		}
		*o = Outcome{Refusal: r}
	default:
		results := make([]CloseResult, len(s.CloseResults))
		for i, sr := range s.CloseResults {
			results[i] = CloseResult{ID: sr.ID, Changed: sr.Changed}
			if sr.Error != nil {
				r, err := sr.Error.refusal()
				if err != nil {
					return err
				}
				results[i].Err = r
			}
		}
		*o = Outcome{CloseResults: results}
	}
	return nil
}

// exactlyOne reports whether exactly one of set is true.
func exactlyOne(set ...bool) bool {
	n := 0
	for _, b := range set {
		if b {
			n++
		}
	}
	return n == 1
}
