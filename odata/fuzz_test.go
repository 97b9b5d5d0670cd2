package odata_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/odata"
)

// ParseFilter never panics; it returns conditions a store can run as they
// are, which say the same again when written back, or an ErrInvalid error
// about $filter with a short, printable message.
func FuzzParseFilter(f *testing.F) {
	for _, seed := range []string{
		"inviter eq 'urn:li:person:a1'",
		"invitee ne 'urn:li:email:zoë@例え.jp' and trackingId eq null",
		"((inviter eq 'it''s') and (created ge -1 and lastModified lt 9223372036854775807))",
		"trackingId ne null and created gt 1795628728473",
		"invitee eq 'urn:li:person:b' and state eq 'pending'",
		"state ne 'accepted' and closed ge 1795628728473",
		"closed eq null",
		"closed gt null",
		"state eq 'withdrawn'",
		"inviter eq 'a' or invitee eq 'b'",
		"not (inviter eq 'a')",
		"startswith(inviter, 'urn')",
		"'x' eq inviter",
		"Inviter eq 'x'",
		"inviter gt 'x'",
		"created eq '5'",
		"created eq 2024-01-01T00:00:00Z",
		"created eq 99999999999999999999",
		"inviter eq'x'",
		"inviter eq 'unterminated",
		"inviter eq 'a\x00'",
		"inviter eq '\xff'",
		strings.Repeat("(", 40) + "created eq 1" + strings.Repeat(")", 40),
		"(inviter eq 'x'",
		"inviter eq 'x')",
		"()",
		"",
		" ",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := odata.ParseFilter(s)
		if err != nil {
			checkInvalid(t, "ParseFilter", err, "$filter")
			if got != nil {
				t.Errorf("ParseFilter(%q) = %v with an error; want nil", s, got)
			}
			return
		}
		if len(got) == 0 {
			t.Fatalf("ParseFilter(%q) = no conditions, no error; want one or the other", s)
		}
		for _, c := range got {
			if !validCondition(c) {
				t.Errorf("ParseFilter(%q) holds %+v; want a known field, an operator for its type and one kind of value", s, c)
			}
		}
		again, err := odata.ParseFilter(format(got))
		if err != nil {
			t.Fatalf("ParseFilter(%q) error = %v; want nil (written back from ParseFilter(%q))", format(got), err, s)
		}
		if diff := cmp.Diff(got, again); diff != "" {
			t.Errorf("ParseFilter(format(ParseFilter(%q))) mismatch (-first +again):\n%s", s, diff)
		}
	})
}

// validCondition reports whether c is a condition the stores can run.
func validCondition(c invitations.Condition) bool {
	eqNe := c.Op == invitations.OpEq || c.Op == invitations.OpNe
	switch c.Field {
	case invitations.FieldCreated, invitations.FieldLastModified, invitations.FieldClosed:
		if c.Null {
			return c.Field == invitations.FieldClosed && eqNe && c.Millis == 0 && c.String == ""
		}
		switch c.Op {
		case invitations.OpEq, invitations.OpNe, invitations.OpGt, invitations.OpGe, invitations.OpLt, invitations.OpLe:
			return c.String == ""
		}
	case invitations.FieldInviter, invitations.FieldInvitee, invitations.FieldTrackingID:
		return eqNe && c.Millis == 0 && (!c.Null || c.Field == invitations.FieldTrackingID && c.String == "")
	case invitations.FieldState:
		return eqNe && c.Millis == 0 && !c.Null && invitations.State(c.String).Valid()
	}
	return false
}

// format writes conds as a $filter, the inverse of ParseFilter.
func format(conds []invitations.Condition) string {
	terms := make([]string, len(conds))
	for i, c := range conds {
		v := "'" + strings.ReplaceAll(c.String, "'", "''") + "'"
		switch {
		case c.Null:
			v = "null"
		case c.Field.IsTime():
			v = strconv.FormatInt(c.Millis, 10)
		}
		terms[i] = string(c.Field) + " " + string(c.Op) + " " + v
	}
	return strings.Join(terms, " and ")
}

// DecodeSkipToken never panics; it returns a cursor whose token is exactly
// the one decoded, or an ErrInvalid error about $skiptoken.
func FuzzDecodeSkipToken(f *testing.F) {
	valid := odata.EncodeSkipToken(cursor(), binding)
	f.Add(valid, binding)
	f.Add(valid, "")
	f.Add(valid[:len(valid)-1], binding)
	f.Add(valid+"A", binding)
	f.Add(odata.EncodeSkipToken(invitations.Cursor{Key: cursor().Key, ID: "x"}, ""), "")
	f.Add(forge(body(1, 1, "\xff"), ""), "")
	f.Add(forge([]byte{1, 0x81, 0x00, 'x'}, ""), "")
	f.Add(forge(body(1, 1<<63, uuid), ""), "")
	f.Add("", "")
	f.Add("====", "")
	f.Add("AQ", "")
	f.Fuzz(func(t *testing.T, token, binding string) {
		c, err := odata.DecodeSkipToken(token, binding)
		if err != nil {
			checkInvalid(t, "DecodeSkipToken", err, "$skiptoken")
			return
		}
		if again := odata.EncodeSkipToken(c, binding); again != token {
			t.Errorf("EncodeSkipToken(DecodeSkipToken(%q)) = %q; want the same token", token, again)
		}
	})
}
