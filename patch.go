package invitations

// Patch is a JSON merge patch (RFC 7396) of an invitation: what an update
// asks to change. For each optional string, nil keeps the current value, ""
// removes it and anything else sets it.
type Patch struct {
	// Inviter and Invitee cannot change; when sent they must repeat the
	// current values.
	Inviter, Invitee *string
	TrackingID       *string
	Message          *MessagePatch // nil keeps the message
}

// MessagePatch merges into an invitation's message.
type MessagePatch struct {
	Remove     bool // message: null
	TemplateID *string
	Body       *string
}

// Apply returns inv with p merged in, or an ErrInvalid error naming the
// property that cannot be changed or is invalid afterwards.
func (p Patch) Apply(inv Invitation) (Invitation, error) {
	if p.Inviter != nil && *p.Inviter != inv.Inviter {
		return inv, Invalidf("inviter", "cannot change; an invitation's inviter is fixed (%s)", inv.Inviter)
	}
	if p.Invitee != nil && *p.Invitee != inv.Invitee {
		return inv, Invalidf("invitee", "cannot change; an invitation's invitee is fixed (%s)", inv.Invitee)
	}
	if p.TrackingID != nil {
		inv.TrackingID = *p.TrackingID
	}
	if m := p.Message; m != nil {
		if m.Remove {
			inv.Message = nil
		} else {
			merged := Message{}
			if inv.Message != nil {
				merged = *inv.Message
			}
			if m.TemplateID != nil {
				merged.TemplateID = *m.TemplateID
			}
			if m.Body != nil {
				merged.Body = *m.Body
			}
			inv.Message = &merged
		}
	}
	return inv, inv.Validate()
}
