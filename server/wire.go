package server

import (
	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/gen"
)

// The @odata.type annotations responses carry, exactly as Graph's page shows.
var (
	invitationType = gen.InvitationV2OdataTypeHashMicrosoftGraphInvitationV2
	messageType    = gen.InvitationV2MessageOdataTypeMicrosoftGraphInvitationV2Message
)

// invitationFromWire takes the properties a caller may set; read-only ones
// (id, created, lastModified) are ignored.
func invitationFromWire(w gen.InvitationV2Create) invitations.Invitation {
	inv := invitations.Invitation{
		Inviter:    deref(w.Inviter),
		Invitee:    w.Invitee,
		TrackingID: deref(w.TrackingID),
	}
	if m := w.Message; m != nil {
		inv.Message = &invitations.Message{TemplateID: deref(m.InvitationTemplateID)}
		if m.InvitationMessage != nil {
			inv.Message.Body = deref(m.InvitationMessage.Body)
		}
	}
	return inv
}

// wireInvitation is an invitation's wire form, with the values the form
// points to kept beside it: converting an invitation allocates them
// together (and a page of a list, all its invitations' at once), where
// taking the address of each allocated each.
type wireInvitation struct {
	gen.InvitationV2
	inv                       invitations.Invitation
	created, modified, closed int64
	state                     gen.InvitationV2State
	message                   gen.InvitationV2Message
	body                      gen.InvitationMessage
}

// set makes w the wire form of inv.
func (w *wireInvitation) set(inv invitations.Invitation) {
	w.inv = inv
	w.created, w.modified = inv.Created.UnixMilli(), inv.LastModified.UnixMilli()
	w.state = gen.InvitationV2State(inv.State)
	w.InvitationV2 = gen.InvitationV2{
		OdataType:    &invitationType,
		ID:           &w.inv.ID,
		Created:      &w.created,
		LastModified: &w.modified,
		Inviter:      &w.inv.Inviter,
		Invitee:      &w.inv.Invitee,
		State:        &w.state,
	}
	if w.inv.TrackingID != "" {
		w.TrackingID = &w.inv.TrackingID
	}
	if !inv.Closed.IsZero() {
		w.closed = inv.Closed.UnixMilli()
		w.Closed = &w.closed
	}
	if m := inv.Message; m != nil {
		w.message = gen.InvitationV2Message{OdataType: &messageType, InvitationTemplateID: optional(m.TemplateID)}
		if m.Body != "" {
			w.body = gen.InvitationMessage{Body: &m.Body}
			w.message.InvitationMessage = &w.body
		}
		w.Message = &w.message
	}
}

// patchFromWire reads a merge patch: a property left out is not in the
// patch, null removes it ("" in the domain), a value sets it.
func patchFromWire(w gen.InvitationV2Update) invitations.Patch {
	p := invitations.Patch{Inviter: w.Inviter, Invitee: w.Invitee}
	if w.TrackingID.IsSpecified() {
		p.TrackingID = ptr(w.TrackingID.GetOrEmpty())
	}
	if !w.Message.IsSpecified() {
		return p
	}
	if w.Message.IsNull() {
		p.Message = &invitations.MessagePatch{Remove: true}
		return p
	}
	m := w.Message.MustGet()
	p.Message = &invitations.MessagePatch{}
	if m.InvitationTemplateID.IsSpecified() {
		p.Message.TemplateID = ptr(m.InvitationTemplateID.GetOrEmpty())
	}
	if m.InvitationMessage.IsSpecified() {
		if m.InvitationMessage.IsNull() {
			p.Message.Body = ptr("") // invitationMessage: null removes the custom body
		} else if body := m.InvitationMessage.MustGet().Body; body.IsSpecified() {
			p.Message.Body = ptr(body.GetOrEmpty())
		}
	}
	return p
}

// selectProperties keeps the properties $select chose (id, and the
// @odata.type annotation, always stay).
func selectProperties(w gen.InvitationV2, selected []string) gen.InvitationV2 {
	out := gen.InvitationV2{OdataType: w.OdataType, ID: w.ID}
	for _, name := range selected {
		switch name {
		case "created":
			out.Created = w.Created
		case "lastModified":
			out.LastModified = w.LastModified
		case "inviter":
			out.Inviter = w.Inviter
		case "invitee":
			out.Invitee = w.Invitee
		case "message":
			out.Message = w.Message
		case "trackingId":
			out.TrackingID = w.TrackingID
		case "state":
			out.State = w.State
		case "closed":
			out.Closed = w.Closed
		}
	}
	return out
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

// optional is the wire form of an optional string: absent when empty.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
