package server

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/graph-linkedin/invitations/gen"
)

// appendInvitation appends w as JSON, byte for byte what encoding/json's
// Encoder (HTML escaping on, as the generated responses have it) writes for
// it, its newline included: the same members in the same order, nil ones
// left out, the same escapes. encoding/json finds its way through the
// struct by reflection on every answer, which cost about as much as the
// rest of writing a get's answer; FuzzInvitationJSON holds this to what it
// writes.
func appendInvitation(b []byte, w *gen.InvitationV2) []byte {
	return append(appendInvitationObject(b, w), '\n')
}

// appendCollection appends c as JSON, as appendInvitation does an
// invitation: byte for byte what encoding/json's Encoder writes, its
// newline included. A page of 50 cost encoding/json 50 walks by
// reflection.
func appendCollection(b []byte, c *gen.InvitationV2Collection) []byte {
	m := members{b: append(b, '{')}
	m.string(`"@odata.context":`, c.OdataContext)
	m.int(`"@odata.count":`, c.OdataCount)
	m.optional(`"@odata.nextLink":`, c.OdataNextLink)
	m.name(`"value":`)
	if c.Value == nil {
		m.b = append(m.b, "null"...)
	} else {
		m.b = append(m.b, '[')
		for i := range c.Value {
			if i > 0 {
				m.b = append(m.b, ',')
			}
			m.b = appendInvitationObject(m.b, &c.Value[i])
		}
		m.b = append(m.b, ']')
	}
	return append(m.b, "}\n"...)
}

// appendInvitationObject appends w as appendInvitation does, without the
// newline.
func appendInvitationObject(b []byte, w *gen.InvitationV2) []byte {
	m := members{b: append(b, '{')}
	if w.OdataType != nil {
		m.string(`"@odata.type":`, string(*w.OdataType))
	}
	m.int(`"closed":`, w.Closed)
	m.int(`"created":`, w.Created)
	m.optional(`"id":`, w.ID)
	m.optional(`"invitee":`, w.Invitee)
	m.optional(`"inviter":`, w.Inviter)
	m.int(`"lastModified":`, w.LastModified)
	if msg := w.Message; msg != nil {
		m.name(`"message":`)
		inner := members{b: append(m.b, '{')}
		if msg.OdataType != nil {
			inner.string(`"@odata.type":`, string(*msg.OdataType))
		}
		if body := msg.InvitationMessage; body != nil {
			inner.name(`"invitationMessage":`)
			innermost := members{b: append(inner.b, '{')}
			innermost.optional(`"body":`, body.Body)
			inner.b = append(innermost.b, '}')
		}
		inner.optional(`"invitationTemplateID":`, msg.InvitationTemplateID)
		m.b = append(inner.b, '}')
	}
	if w.State != nil {
		m.string(`"state":`, string(*w.State))
	}
	m.optional(`"trackingId":`, w.TrackingID)
	return append(m.b, '}')
}

// members appends an object's members, each after a comma but the first.
type members struct {
	b    []byte
	some bool
}

// name appends a member's name (quoted, with its colon).
func (m *members) name(quoted string) {
	if m.some {
		m.b = append(m.b, ',')
	}
	m.some = true
	m.b = append(m.b, quoted...)
}

func (m *members) string(quoted, v string) {
	m.name(quoted)
	m.b = appendHTMLSafeString(m.b, v)
}

func (m *members) optional(quoted string, v *string) {
	if v != nil {
		m.string(quoted, *v)
	}
}

func (m *members) int(quoted string, v *int64) {
	if v != nil {
		m.name(quoted)
		m.b = strconv.AppendInt(m.b, *v, 10)
	}
}

// appendHTMLSafeString appends s as encoding/json writes a string with HTML
// escaping on. Printable ASCII other than '"', '\\', '<', '>' and '&',
// which is what the answers' strings almost always are, is copied as it
// is; anything else is left to encoding/json.
func appendHTMLSafeString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			quoted, err := json.Marshal(s)
			if err != nil { // a string always encodes
				return append(b, `""`...)
			}
			return append(b, quoted...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
