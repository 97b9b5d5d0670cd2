package memory

import (
	"encoding/binary"
	"strings"
	"time"

	"github.com/graph-linkedin/invitations"
)

// stored is an invitation as the store keeps it: its strings in one
// allocation, its times as integers. The store's heap is its data, and the
// garbage collector marks all of it in every cycle: an Invitation held as
// it is has eleven pointer words (its strings, its message, its times'
// locations) into two or three objects of its own, and the pair's key four
// more; a stored has two (text and loc, which points to a Location every
// invitation shares), and the maps' keys point into text. Under a stream
// of creates the marking was a fifth of the server's CPU.
type stored struct {
	// text holds, in this order: the id; the pair's key (see pairKey):
	// the lengths of the tenant and the inviter, 4 bytes each, then the
	// tenant, the inviter and the invitee; the tracking id; the state; the
	// message's template id and body. ends are where each but the
	// lengths ends.
	text string
	ends [fieldCount]uint32
	// created, modified and closed are Unix times in nanoseconds, in loc.
	created, modified, closed int64
	loc                       *time.Location
	version                   int64
	message, isClosed         bool
}

// The strings of text, by their index in ends.
const (
	fieldID = iota
	fieldTenant
	fieldInviter
	fieldInvitee
	fieldTrackingID
	fieldState
	fieldTemplateID
	fieldBody
	fieldCount
)

// pairLengths is the size of the lengths that begin the pair's key.
const pairLengths = 8

// store packs inv into a stored.
func store(inv invitations.Invitation) stored {
	var m invitations.Message
	if inv.Message != nil {
		m = *inv.Message
	}
	fields := [fieldCount]string{inv.ID, inv.Tenant, inv.Inviter, inv.Invitee, inv.TrackingID, string(inv.State), m.TemplateID, m.Body}
	n := pairLengths
	for _, f := range fields {
		n += len(f)
	}
	var b strings.Builder
	b.Grow(n)
	var st stored
	for i, f := range fields {
		if i == fieldTenant {
			var lengths [pairLengths]byte
			binary.BigEndian.PutUint32(lengths[:4], uint32(len(inv.Tenant)))
			binary.BigEndian.PutUint32(lengths[4:], uint32(len(inv.Inviter)))
			b.Write(lengths[:])
		}
		b.WriteString(f)
		st.ends[i] = uint32(b.Len())
	}
	st.text = b.String()
	st.loc = inv.Created.Location()
	st.created, st.modified = inv.Created.UnixNano(), inv.LastModified.UnixNano()
	if st.isClosed = !inv.Closed.IsZero(); st.isClosed {
		st.closed = inv.Closed.UnixNano()
	}
	st.version = inv.Version
	st.message = inv.Message != nil
	return st
}

// field is text's i-th string.
func (st *stored) field(i int) string {
	start := uint32(0)
	switch i {
	case fieldID:
	case fieldTenant:
		start = st.ends[fieldID] + pairLengths
	default:
		start = st.ends[i-1]
	}
	return st.text[start:st.ends[i]]
}

func (st *stored) id() string     { return st.field(fieldID) }
func (st *stored) tenant() string { return st.field(fieldTenant) }

// pairKey is the key of the invitation's pair (tenant, inviter, invitee)
// in the store's pairs: the three, preceded by the lengths of the first two,
// so that no two pairs have the same key.
func (st *stored) pairKey() string {
	return st.text[st.ends[fieldID]:st.ends[fieldInvitee]]
}

// pairKey is the key stored.pairKey gives an invitation of this pair.
func pairKey(tenant, inviter, invitee string) string {
	var lengths [pairLengths]byte
	binary.BigEndian.PutUint32(lengths[:4], uint32(len(tenant)))
	binary.BigEndian.PutUint32(lengths[4:], uint32(len(inviter)))
	return string(lengths[:]) + tenant + inviter + invitee
}

// invitation unpacks st. Its strings share st's text, which no one
// changes; its message is its own.
func (st *stored) invitation() invitations.Invitation {
	inv := invitations.Invitation{
		ID:           st.field(fieldID),
		Tenant:       st.field(fieldTenant),
		Created:      time.Unix(0, st.created).In(st.loc),
		LastModified: time.Unix(0, st.modified).In(st.loc),
		Inviter:      st.field(fieldInviter),
		Invitee:      st.field(fieldInvitee),
		TrackingID:   st.field(fieldTrackingID),
		State:        invitations.State(st.field(fieldState)),
		Version:      st.version,
	}
	if st.isClosed {
		inv.Closed = time.Unix(0, st.closed).In(st.loc)
	}
	if st.message {
		inv.Message = &invitations.Message{TemplateID: st.field(fieldTemplateID), Body: st.field(fieldBody)}
	}
	return inv
}
