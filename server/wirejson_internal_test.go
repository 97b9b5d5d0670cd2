package server

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/gen"
)

// FuzzInvitationJSON holds appendInvitation to what encoding/json's
// Encoder writes for the same gen.InvitationV2 (as the generated responses
// encode it), for any strings, numbers, and members present or not: the
// escapes for '<', '>', '&', U+2028 and U+2029, invalid UTF-8 and control
// characters included. The seeds run in go test.
func FuzzInvitationJSON(f *testing.F) {
	f.Add("3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60", "urn:li:person:A1ice", "urn:li:person:b0b", "track-1", "tpl", "Hello",
		"pending", int64(1764160205123), int64(1764160265123), int64(0), uint16(0x1ff))
	f.Add("", "", "", "", "", "", "", int64(0), int64(-1), int64(-9223372036854775808), uint16(0xffff))
	f.Add("<a>&b", "\"quoted\" \\ back", "é\u2028\u2029", "\x00\x01\b\f\n\r\t\x1f\x7f", "\xff\xfe invalid \xc3", "</script>",
		"accepted", int64(9223372036854775807), int64(1), int64(42), uint16(0x2aa))
	f.Add("\u00e9\U0001F600", "\ufffd", "\xed\xa0\x80", "a\u2028b", "&amp;", "x", "ignored", int64(5), int64(6), int64(7), uint16(0x155))
	f.Fuzz(func(t *testing.T, id, inviter, invitee, tracking, template, body, state string, created, modified, closed int64, present uint16) {
		has := func(bit int) bool { return present&(1<<bit) != 0 }
		var w gen.InvitationV2
		set := func(bit int, s *string) *string {
			if has(bit) {
				return s
			}
			return nil
		}
		setInt := func(bit int, v *int64) *int64 {
			if has(bit) {
				return v
			}
			return nil
		}
		if has(0) {
			w.OdataType = &invitationType
		}
		w.ID, w.Inviter, w.Invitee, w.TrackingID = set(1, &id), set(2, &inviter), set(3, &invitee), set(4, &tracking)
		w.Created, w.LastModified, w.Closed = setInt(5, &created), setInt(6, &modified), setInt(7, &closed)
		if has(8) {
			st := gen.InvitationV2State(state)
			w.State = &st
		}
		if has(9) {
			w.Message = &gen.InvitationV2Message{InvitationTemplateID: set(10, &template)}
			if has(11) {
				w.Message.OdataType = &messageType
			}
			if has(12) {
				w.Message.InvitationMessage = &gen.InvitationMessage{Body: set(13, &body)}
			}
		}
		var want bytes.Buffer
		if err := json.NewEncoder(&want).Encode(&w); err != nil {
			t.Fatal(err)
		}
		prefix := []byte("kept")
		got := appendInvitation(prefix, &w)
		if !bytes.Equal(got[len(prefix):], want.Bytes()) || string(got[:len(prefix)]) != "kept" {
			t.Errorf("appendInvitation =\n%q; want what encoding/json writes\n%q", got[len(prefix):], want.Bytes())
		}
	})
}

// BenchmarkInvitationJSON compares appendInvitation with encoding/json's
// Encoder (pooled, as the answers had it) on a typical invitation.
func BenchmarkInvitationJSON(b *testing.B) {
	var w wireInvitation
	w.set(typicalInvitation)
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf = appendInvitation(buf[:0], &w.InvitationV2)
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		for b.Loop() {
			buf.Reset()
			if err := enc.Encode(&w.InvitationV2); err != nil {
				b.Fatal(err)
			}
		}
	})
}

var typicalInvitation = invitations.Invitation{ID: "3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60", Tenant: "t",
	Inviter: "urn:li:person:bench", Invitee: "urn:li:person:seed_12345", State: invitations.StatePending, Version: 1,
	Created: time.UnixMilli(1764160205123), LastModified: time.UnixMilli(1764160205123)}

// FuzzCollectionJSON holds appendCollection to what encoding/json's Encoder
// writes for the same gen.InvitationV2Collection: a page of none to three
// invitations (some with only the members $select keeps), or no page
// (nil), with its annotations present or not.
func FuzzCollectionJSON(f *testing.F) {
	f.Add("https://example.com/v1.0/$metadata#linkedIn/invitations", "https://example.com/v1.0/linkedIn/invitations?$skiptoken=a&b", "urn:li:person:<x>", int64(3), uint8(0xff))
	f.Add("", "", "", int64(0), uint8(0))
	f.Add("\u2028<&>\xff", "\x00\"\\", "é", int64(-1), uint8(0x15))
	f.Fuzz(func(t *testing.T, context, next, s string, count int64, flags uint8) {
		c := gen.InvitationV2Collection{OdataContext: context}
		if flags&1 != 0 {
			c.OdataCount = &count
		}
		if flags&2 != 0 {
			c.OdataNextLink = &next
		}
		if flags&4 != 0 {
			c.Value = []gen.InvitationV2{}
		}
		for i := range int(flags>>3) % 4 {
			var w wireInvitation
			w.set(invitations.Invitation{ID: s, Inviter: s, Invitee: s, TrackingID: s, State: invitations.StatePending,
				Message: &invitations.Message{TemplateID: s, Body: s}, Created: time.UnixMilli(count), LastModified: time.UnixMilli(count)})
			v := w.InvitationV2
			if i%2 == 1 {
				v = selectProperties(v, []string{"invitee", "state"})
			}
			c.Value = append(c.Value, v)
		}
		var want bytes.Buffer
		if err := json.NewEncoder(&want).Encode(&c); err != nil {
			t.Fatal(err)
		}
		if got := appendCollection(nil, &c); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("appendCollection =\n%q; want what encoding/json writes\n%q", got, want.Bytes())
		}
	})
}
