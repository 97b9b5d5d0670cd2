package server

import (
	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/gen"
)

// The @odata.type annotations responses carry, exactly as Graph's page shows.
var (
	invitationType = gen.HashMicrosoftGraphInvitationV2
	messageType    = gen.MicrosoftGraphInvitationV2Message
)

// invitationFromWire takes the properties a caller may set; read-only ones
// (id, created, lastModified) are ignored.
func invitationFromWire(w gen.InvitationV2) invitations.Invitation {
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

func invitationToWire(inv invitations.Invitation) gen.InvitationV2 {
	created, modified := inv.Created.UnixMilli(), inv.LastModified.UnixMilli()
	w := gen.InvitationV2{
		OdataType:    &invitationType,
		ID:           &inv.ID,
		Created:      &created,
		LastModified: &modified,
		Inviter:      &inv.Inviter,
		Invitee:      inv.Invitee,
		TrackingID:   optional(inv.TrackingID),
	}
	if m := inv.Message; m != nil {
		w.Message = &gen.InvitationV2Message{
			OdataType:            &messageType,
			InvitationTemplateID: optional(m.TemplateID),
		}
		if m.Body != "" {
			w.Message.InvitationMessage = &gen.InvitationMessage{Body: &m.Body}
		}
	}
	return w
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
