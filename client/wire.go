package client

import (
	"time"

	"github.com/oapi-codegen/nullable"

	"github.com/graph-linkedin/invitations/client/raw"
)

// The @odata.type annotations, as the service writes them.
var (
	invitationType = raw.InvitationV2OdataTypeHashMicrosoftGraphInvitationV2
	messageType    = raw.InvitationV2MessageOdataTypeMicrosoftGraphInvitationV2Message
)

func invitationFromWire(w raw.InvitationV2) Invitation {
	inv := Invitation{
		ID:           deref(w.ID),
		Created:      fromMillis(w.Created),
		LastModified: fromMillis(w.LastModified),
		Inviter:      deref(w.Inviter),
		Invitee:      deref(w.Invitee),
		TrackingID:   deref(w.TrackingID),
		Closed:       fromMillis(w.Closed),
	}
	if w.State != nil {
		inv.State = State(*w.State)
	}
	if m := w.Message; m != nil {
		inv.Message = &Message{TemplateID: deref(m.InvitationTemplateID)}
		if m.InvitationMessage != nil {
			inv.Message.Body = deref(m.InvitationMessage.Body)
		}
	}
	return inv
}

// wire is the invitation as the API writes it.
func (inv Invitation) wire() raw.InvitationV2 {
	return raw.InvitationV2{
		OdataType:    &invitationType,
		ID:           optional(inv.ID),
		Created:      toMillis(inv.Created),
		LastModified: toMillis(inv.LastModified),
		Inviter:      optional(inv.Inviter),
		Invitee:      optional(inv.Invitee),
		Message:      inv.Message.wire(),
		TrackingID:   optional(inv.TrackingID),
		State:        (*raw.InvitationV2State)(optional(string(inv.State))),
		Closed:       toMillis(inv.Closed),
	}
}

func (m *Message) wire() *raw.InvitationV2Message {
	if m == nil {
		return nil
	}
	w := &raw.InvitationV2Message{OdataType: &messageType, InvitationTemplateID: optional(m.TemplateID)}
	if m.Body != "" {
		w.InvitationMessage = &raw.InvitationMessage{Body: &m.Body}
	}
	return w
}

func (n NewInvitation) wire() raw.InvitationV2Create {
	w := raw.InvitationV2Create{
		Inviter:    optional(n.Inviter),
		Invitee:    n.Invitee,
		Message:    n.Message.wire(),
		TrackingID: optional(n.TrackingID),
	}
	if w.Message != nil {
		w.Message.OdataType = nil // optional in a request
	}
	return w
}

func (p Patch) wire() raw.InvitationV2Update {
	w := raw.InvitationV2Update{TrackingID: field(p.TrackingID)}
	switch m, ok := p.Message.Get(); {
	case p.Message.Removes():
		w.Message.SetNull()
	case ok:
		mw := raw.InvitationV2MessageUpdate{InvitationTemplateID: field(m.TemplateID)}
		if m.Body.Removes() {
			mw.InvitationMessage.SetNull()
		} else if body, ok := m.Body.Get(); ok {
			mw.InvitationMessage.Set(raw.InvitationMessageUpdate{Body: nullable.NewNullableWithValue(body)})
		}
		w.Message.Set(mw)
	}
	return w
}

// field is a Field as the generated merge-patch types hold it.
func field[T any](f Field[T]) nullable.Nullable[T] {
	var n nullable.Nullable[T]
	if f.Removes() {
		n.SetNull()
	} else if v, ok := f.Get(); ok {
		n.Set(v)
	}
	return n
}

func fromMillis(ms *int64) time.Time {
	if ms == nil {
		return time.Time{}
	}
	return time.UnixMilli(*ms).UTC()
}

func toMillis(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	ms := t.UnixMilli()
	return &ms
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// optional is the wire form of an optional string: absent when empty.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func ptr[T any](v T) *T { return &v }
