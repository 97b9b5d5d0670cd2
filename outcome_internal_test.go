package invitations

import (
	"encoding/json"
	"testing"
	"time"
)

// appendInvitation writes what json.Marshal writes of a storedOutcome
// with the invitation, byte for byte, whatever its strings hold: records
// written by either replay alike, and a record's bytes do not depend on
// which wrote them.
func FuzzInvitationOutcome(f *testing.F) {
	f.Add("3f0c8e1a-7a4b-4c3d-8e2f-0123456789ab", "tenant-1", "urn:li:person:A", "urn:li:email:ada@contoso.com",
		true, "urn:li:invitationTemplate:1", "Ada, \"hi\" & é <b>\u2028\x00\n\t\\", "track <1>", int64(1795628728473), int64(2), "pending", int64(0))
	f.Add("i", "t", "urn:li:person:A", "urn:li:person:B", false, "", "", "", int64(0), int64(1), "", int64(0))
	f.Add("i", "t", "a", "b", true, "", "body only", "", int64(-1), int64(-7), "accepted", int64(1795628729473))
	f.Add("i\xff", "t\xc3", "a", "b", true, "tpl", "", "\x7f", int64(1), int64(1), "ignored", int64(-5))
	f.Fuzz(func(t *testing.T, id, tenant, inviter, invitee string, hasMessage bool, template, body, tracking string,
		created, version int64, state string, closed int64) {
		inv := Invitation{ID: id, Tenant: tenant, Inviter: inviter, Invitee: invitee, TrackingID: tracking,
			Created: time.UnixMilli(created), LastModified: time.UnixMilli(created + 1), State: State(state), Version: version}
		if hasMessage {
			inv.Message = &Message{TemplateID: template, Body: body}
		}
		if closed != 0 {
			inv.Closed = time.UnixMilli(closed)
		}
		s := storedInvitation{ID: inv.ID, Tenant: inv.Tenant, Inviter: inv.Inviter, Invitee: inv.Invitee,
			TrackingID: inv.TrackingID, Created: inv.Created.UnixMilli(), LastModified: inv.LastModified.UnixMilli(),
			State: inv.State, Version: inv.Version}
		if !inv.Closed.IsZero() {
			s.Closed = inv.Closed.UnixMilli()
		}
		if m := inv.Message; m != nil {
			s.Message = &storedMessage{TemplateID: m.TemplateID, Body: m.Body}
		}
		want, err := json.Marshal(storedOutcome{Invitation: &s})
		if err != nil {
			t.Fatal(err)
		}
		if got := appendInvitation(nil, &inv); string(got) != string(want) {
			t.Errorf("appendInvitation(%+v) =\n%s\nwant (json.Marshal)\n%s", inv, got, want)
		}
	})
}
