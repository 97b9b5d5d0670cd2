package memory

import (
	"reflect"
	"testing"
	"time"

	"github.com/graph-linkedin/invitations"
)

// FuzzStored checks that an invitation packed into a stored unpacks to
// itself (reflect.DeepEqual: the same strings, the same times in the same
// location, a message or none), and that two pairs get the same key only
// when they are the same pair.
func FuzzStored(f *testing.F) {
	f.Add("id", "tenant", "urn:li:person:a", "urn:li:person:b", "", "", "", false, false, int64(1764000000123), int64(0))
	f.Add("", "", "", "", "t", "tmpl", "body", true, true, int64(0), int64(1))
	f.Add("a", "bc", "d", "ab", "c\x00d", "", "é\u2028", true, false, int64(-1), int64(1<<40))
	f.Fuzz(func(t *testing.T, id, tenant, inviter, invitee, tracking, template, body string, message, closed bool, created, closedAt int64) {
		for _, loc := range []*time.Location{time.UTC, time.Local, time.FixedZone("x", 3600)} {
			inv := invitations.Invitation{ID: id, Tenant: tenant, Inviter: inviter, Invitee: invitee, TrackingID: tracking,
				State: invitations.StatePending, Version: created & 0xffff,
				Created: time.Unix(0, created).In(loc), LastModified: time.Unix(0, created+1).In(loc)}
			if message {
				inv.Message = &invitations.Message{TemplateID: template, Body: body}
			}
			if closed {
				inv.State, inv.Closed = invitations.StateAccepted, time.Unix(0, closedAt).In(loc)
			}
			st := store(inv)
			if got := st.invitation(); !reflect.DeepEqual(got, inv) {
				t.Fatalf("store(%#v).invitation() = %#v", inv, got)
			}
			if got, want := st.pairKey(), pairKey(tenant, inviter, invitee); got != want {
				t.Errorf("pairKey = %q; want %q", got, want)
			}
			if st.id() != id || st.tenant() != tenant {
				t.Errorf("id, tenant = %q, %q; want %q, %q", st.id(), st.tenant(), id, tenant)
			}
		}
		// The same strings, split otherwise, are another pair.
		for _, other := range [][3]string{{tenant + inviter, "", invitee}, {tenant, inviter + invitee, ""}, {"", tenant, inviter + invitee}} {
			if other != [3]string{tenant, inviter, invitee} && pairKey(other[0], other[1], other[2]) == pairKey(tenant, inviter, invitee) {
				t.Errorf("pairKey%q = pairKey(%q, %q, %q)", other, tenant, inviter, invitee)
			}
		}
	})
}
