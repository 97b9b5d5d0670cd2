package odata_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/odata"
)

// Shorthands for the conditions the tables expect.
func str(f invitations.Field, op invitations.Op, s string) invitations.Condition {
	return invitations.Condition{Field: f, Op: op, String: s}
}

func ms(f invitations.Field, op invitations.Op, n int64) invitations.Condition {
	return invitations.Condition{Field: f, Op: op, Millis: n}
}

func null(op invitations.Op) invitations.Condition {
	return invitations.Condition{Field: invitations.FieldTrackingID, Op: op, Null: true}
}

func TestParseFilter(t *testing.T) {
	const (
		inviter  = invitations.FieldInviter
		invitee  = invitations.FieldInvitee
		tracking = invitations.FieldTrackingID
		created  = invitations.FieldCreated
		modified = invitations.FieldLastModified
	)
	type conds = []invitations.Condition
	tests := []struct {
		in   string
		want conds
	}{
		{"inviter eq 'urn:li:person:a1'", conds{str(inviter, invitations.OpEq, "urn:li:person:a1")}},
		{"invitee ne 'urn:li:email:ada@contoso.com'", conds{str(invitee, invitations.OpNe, "urn:li:email:ada@contoso.com")}},
		{"trackingId eq 'wGFHz2GbQrOIzP1r9w8Kxg=='", conds{str(tracking, invitations.OpEq, "wGFHz2GbQrOIzP1r9w8Kxg==")}},
		{"trackingId eq null", conds{null(invitations.OpEq)}},
		{"trackingId ne null", conds{null(invitations.OpNe)}},
		{"trackingId eq 'null'", conds{str(tracking, invitations.OpEq, "null")}},
		{"trackingId eq ''", conds{str(tracking, invitations.OpEq, "")}},
		{"state eq 'pending'", conds{str(invitations.FieldState, invitations.OpEq, "pending")}},
		{"state ne 'accepted'", conds{str(invitations.FieldState, invitations.OpNe, "accepted")}},
		{"state eq 'ignored'", conds{str(invitations.FieldState, invitations.OpEq, "ignored")}},
		{"closed ge 1795628728473", conds{ms(invitations.FieldClosed, invitations.OpGe, 1795628728473)}},
		{"closed lt 1", conds{ms(invitations.FieldClosed, invitations.OpLt, 1)}},
		{"closed eq null", conds{{Field: invitations.FieldClosed, Op: invitations.OpEq, Null: true}}},
		{"closed ne null", conds{{Field: invitations.FieldClosed, Op: invitations.OpNe, Null: true}}},
		{"invitee eq 'urn:li:person:b' and state eq 'pending'", conds{
			str(invitee, invitations.OpEq, "urn:li:person:b"), str(invitations.FieldState, invitations.OpEq, "pending")}},

		// Strings: a doubled quote is one quote; anything else is itself.
		{"inviter eq 'it''s'", conds{str(inviter, invitations.OpEq, "it's")}},
		{"inviter eq ''''", conds{str(inviter, invitations.OpEq, "'")}},
		{"inviter eq ''''''", conds{str(inviter, invitations.OpEq, "''")}},
		{"inviter eq 'a''''b'", conds{str(inviter, invitations.OpEq, "a''b")}},
		{"inviter eq ' and or ( ) eq \" '", conds{str(inviter, invitations.OpEq, " and or ( ) eq \" ")}},
		{"invitee eq 'urn:li:email:zoë@例え.jp'", conds{str(invitee, invitations.OpEq, "urn:li:email:zoë@例え.jp")}},
		{"inviter eq '🙂\t'", conds{str(inviter, invitations.OpEq, "🙂\t")}},

		// Times: every operator, any int64.
		{"created eq 1795628728473", conds{ms(created, invitations.OpEq, 1795628728473)}},
		{"created ne 0", conds{ms(created, invitations.OpNe, 0)}},
		{"created gt -1", conds{ms(created, invitations.OpGt, -1)}},
		{"lastModified ge 007", conds{ms(modified, invitations.OpGe, 7)}},
		{"lastModified lt 9223372036854775807", conds{ms(modified, invitations.OpLt, 9223372036854775807)}},
		{"lastModified le -9223372036854775808", conds{ms(modified, invitations.OpLe, -9223372036854775808)}},
		{"created ge -0", conds{ms(created, invitations.OpGe, 0)}},

		// and, in order; parentheses group and flatten, however placed.
		{"inviter eq 'a' and invitee eq 'b' and created ge 1", conds{
			str(inviter, invitations.OpEq, "a"), str(invitee, invitations.OpEq, "b"), ms(created, invitations.OpGe, 1)}},
		{"(inviter eq 'a')", conds{str(inviter, invitations.OpEq, "a")}},
		{"((((inviter eq 'a'))))", conds{str(inviter, invitations.OpEq, "a")}},
		{"(inviter eq 'a' and invitee eq 'b') and created ge 1", conds{
			str(inviter, invitations.OpEq, "a"), str(invitee, invitations.OpEq, "b"), ms(created, invitations.OpGe, 1)}},
		{"inviter eq 'a' and (invitee eq 'b' and created ge 1)", conds{
			str(inviter, invitations.OpEq, "a"), str(invitee, invitations.OpEq, "b"), ms(created, invitations.OpGe, 1)}},
		{"((inviter eq 'a') and ((invitee eq 'b')) and created ge 1)", conds{
			str(inviter, invitations.OpEq, "a"), str(invitee, invitations.OpEq, "b"), ms(created, invitations.OpGe, 1)}},
		{"created ge 1 and created lt 2 and trackingId ne null", conds{
			ms(created, invitations.OpGe, 1), ms(created, invitations.OpLt, 2), null(invitations.OpNe)}},

		// Whitespace: spaces and tabs, as many as you like; none needed
		// next to parentheses.
		{"  inviter \t eq\t'a'  ", conds{str(inviter, invitations.OpEq, "a")}},
		{"( inviter eq 'a' )", conds{str(inviter, invitations.OpEq, "a")}},
		{"(inviter eq 'a') and (invitee eq 'b')", conds{
			str(inviter, invitations.OpEq, "a"), str(invitee, invitations.OpEq, "b")}},

		// Nesting up to the limit.
		{strings.Repeat("(", 32) + "created eq 1" + strings.Repeat(")", 32), conds{ms(created, invitations.OpEq, 1)}},
	}
	for _, tt := range tests {
		got, err := odata.ParseFilter(tt.in)
		if err != nil {
			t.Errorf("ParseFilter(%q) error = %v; want nil", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseFilter(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestParseFilterLongest(t *testing.T) {
	cond := "created ge 1 and "
	in := strings.Repeat(cond, 4096/len(cond)) + "created ge 1"
	in = strings.Repeat(" ", 4096-len(in)) + in
	got, err := odata.ParseFilter(in)
	if err != nil {
		t.Fatalf("ParseFilter(<4096 bytes>) error = %v; want nil", err)
	}
	if want := 4096/len(cond) + 1; len(got) != want {
		t.Errorf("ParseFilter(<4096 bytes>) = %d conditions; want %d", len(got), want)
	}
	checkInvalid(t, "ParseFilter(<4097 bytes>)", errOf(odata.ParseFilter(" "+in)), "$filter")
}

func errOf[T any](_ T, err error) error { return err }

func TestParseFilterInvalid(t *testing.T) {
	const filterable = "filterable: inviter, invitee, trackingId, state, created, lastModified, closed"
	tests := []struct {
		in, want string // want is the message after "$filter: "
	}{
		// Nothing to parse, or too much.
		{"", "empty expression"},
		{" \t ", "empty expression"},
		{strings.Repeat(" ", 4097), "longer than 4096 bytes"},
		{"inviter eq '\xffx'", "invalid UTF-8 at position 13"},
		{"inviter eq 'é\xc3'", "invalid UTF-8 at position 14"},

		// Only 'and' joins conditions.
		{"inviter eq 'urn:li:person:a' or invitee eq 'x'", "'or' at position 30 is not supported; join conditions with 'and'"},
		{"(inviter eq 'a' or invitee eq 'b')", "'or' at position 17 is not supported; join conditions with 'and'"},
		{"inviter eq 'é' or x", "'or' at position 16 is not supported; join conditions with 'and'"},
		{"not inviter eq 'a'", "'not' at position 1 is not supported; use ne, or the opposite comparison"},
		{"not(inviter eq 'a')", "'not' at position 1 is not supported; use ne, or the opposite comparison"},
		{"inviter eq 'a' and", "expected a condition, found the end of the filter"},
		{"and inviter eq 'a'", "expected a condition, found 'and' at position 1"},
		{"or", "expected a condition, found 'or' at position 1"},
		{"inviter eq 'a' and and invitee eq 'b'", "expected a condition, found 'and' at position 20"},
		{"inviter eq 'a' And invitee eq 'b'", "expected 'and' or the end of the filter, found 'And' at position 16"},
		{"inviter eq 'a' invitee eq 'b'", "expected 'and' or the end of the filter, found 'invitee' at position 16"},
		{"inviter eq 'a' eq 'b'", "expected 'and' or the end of the filter, found 'eq' at position 16"},
		{"(inviter eq 'a' 5)", "expected 'and' or ')', found the number '5' at position 17"},

		// Properties: known, filterable, exactly cased.
		{"status eq 'x'", "unknown property 'status' at position 1; " + filterable},
		{"Inviter eq 'x'", "unknown property 'Inviter' at position 1 (did you mean 'inviter'?); " + filterable},
		{"trackingid eq null", "unknown property 'trackingid' at position 1 (did you mean 'trackingId'?); " + filterable},
		{"created ge 1 and lastmodified ge 1", "unknown property 'lastmodified' at position 18 (did you mean 'lastModified'?); " + filterable},
		{"id eq 'x'", "property 'id' at position 1 cannot be filtered; " + filterable},
		{"message/body eq 'x'", "property 'message' at position 1 cannot be filtered; " + filterable},
		{"inviter/x eq 'a'", "unexpected character '/' at position 8"},
		{"_x eq 'a'", "unknown property '_x' at position 1; " + filterable},

		// Functions.
		{"startswith(inviter,'urn')", "function 'startswith' at position 1 is not supported; compare a property with eq, ne, gt, ge, lt or le"},
		{"contains(inviter, 'x')", "function 'contains' at position 1 is not supported; compare a property with eq, ne, gt, ge, lt or le"},
		{"created ge 1 and tolower(inviter) eq 'a'", "function 'tolower' at position 18 is not supported; compare a property with eq, ne, gt, ge, lt or le"},

		// Operators: the six comparisons, as each type allows.
		{"inviter has 'x'", "operator 'has' at position 9 is not supported; 'inviter' takes eq or ne"},
		{"inviter in ('a','b')", "operator 'in' at position 9 is not supported; 'inviter' takes eq or ne"},
		{"created add 5 eq 6", "operator 'add' at position 9 is not supported; 'created' takes eq, ne, gt, ge, lt or le"},
		{"inviter gt 'x'", "'gt' at position 9 cannot compare string property 'inviter'; use eq or ne"},
		{"trackingId le null", "'le' at position 12 cannot compare string property 'trackingId'; use eq or ne"},
		{"created EQ 5", "expected an operator after 'created', found 'EQ' at position 9 (did you mean 'eq'?); 'created' takes eq, ne, gt, ge, lt or le"},
		{"inviter GT 'x'", "expected an operator after 'inviter', found 'GT' at position 9; 'inviter' takes eq or ne"},
		{"inviter and invitee eq 'x'", "expected an operator after 'inviter', found 'and' at position 9; 'inviter' takes eq or ne"},
		{"inviter == 'x'", "unexpected character '=' at position 9"},
		{"created - 5", "unexpected character '-' at position 9"},
		{"inviter", "expected an operator after 'inviter', found the end of the filter"},
		{"inviter 'x'", "expected an operator after 'inviter', found a string at position 9"},
		{"inviter (eq 'x')", "expected an operator after 'inviter', found '(' at position 9"},

		// Literals: a string for a string, an integer for a time, on the right.
		{"inviter eq 5", "'inviter' takes a string in single quotes, found the number '5' at position 12"},
		{"inviter eq null", "'inviter' takes a string in single quotes, found 'null' at position 12"},
		{"inviter eq bob", "'inviter' takes a string in single quotes, found 'bob' at position 12"},
		{"inviter eq invitee", "'inviter' takes a string in single quotes, found 'invitee' at position 12"},
		{"inviter eq \"x\"", "unexpected character '\"' at position 12"},
		{"inviter eq", "'inviter' takes a string in single quotes, found the end of the filter"},
		{"created eq '5'", "'created' takes an integer (epoch milliseconds), found a string at position 12"},
		{"created eq null", "'created' takes an integer (epoch milliseconds), found 'null' at position 12"},
		{"lastModified gt (1)", "'lastModified' takes an integer (epoch milliseconds), found '(' at position 17"},
		{"closed ge '5'", "'closed' takes an integer (epoch milliseconds) or null, found a string at position 11"},
		{"closed ge null", "'ge' at position 8 cannot compare with null; use eq or ne"},
		{"state eq 'accept'", "'state' is 'pending', 'accepted' or 'ignored'; found 'accept' at position 10"},
		{"state eq 'Pending'", "'state' is 'pending', 'accepted' or 'ignored'; found 'Pending' at position 10"},
		{"state eq null", "'state' takes a string in single quotes, found 'null' at position 10"},
		{"state gt 'pending'", "'gt' at position 7 cannot compare string property 'state'; use eq or ne"},
		{"State eq 'pending'", "unknown property 'State' at position 1 (did you mean 'state'?); " + filterable},
		{"'x' eq inviter", "a condition starts with a property, found a string at position 1"},
		{"5 eq created", "a condition starts with a property, found the number '5' at position 1"},
		{"null eq trackingId", "a condition starts with a property, found 'null' at position 1"},

		// Malformed literals.
		{"inviter eq 'abc", "unterminated string starting at position 12; close it with ' (write '' for a quote inside it)"},
		{"inviter eq 'it''s", "unterminated string starting at position 12; close it with ' (write '' for a quote inside it)"},
		{"inviter eq '", "unterminated string starting at position 12; close it with ' (write '' for a quote inside it)"},
		{"inviter eq 'a\x00b'", "NUL character in string at position 14"},
		{"created gt 9223372036854775808", "number '9223372036854775808' at position 12 is out of range"},
		{"created gt -9223372036854775809", "number '-9223372036854775809' at position 12 is out of range"},
		{"created gt 2024-01-01T00:00:00Z", "malformed number '2024-01-01T00:00:00Z' at position 12; write an integer (times are epoch milliseconds)"},
		{"created gt 1.5", "malformed number '1.5' at position 12; write an integer (times are epoch milliseconds)"},
		{"created gt 5L", "malformed number '5L' at position 12; write an integer (times are epoch milliseconds)"},
		{"created gt 1e3", "malformed number '1e3' at position 12; write an integer (times are epoch milliseconds)"},
		{"created gt 5and inviter eq 'a'", "malformed number '5and' at position 12; write an integer (times are epoch milliseconds)"},
		{"created gt --5", "unexpected character '-' at position 12"},
		{"created gt +5", "unexpected character '+' at position 12"},

		// Keywords need a space on each side; parentheses do not.
		{"inviter eq'x'", "'eq' at position 9 needs a space on each side"},
		{"created eq(1)", "'eq' at position 9 needs a space on each side"},
		{"inviter eq 'x'and invitee eq 'y'", "'and' at position 15 needs a space on each side"},
		{"inviter eq 'x' and(invitee eq 'y')", "'and' at position 16 needs a space on each side"},
		{"(inviter eq 'x')and(invitee eq 'y')", "'and' at position 17 needs a space on each side"},
		{"inviter eqx 'x'", "expected an operator after 'inviter', found 'eqx' at position 9; 'inviter' takes eq or ne"},

		// Parentheses: balanced, not empty, not too deep.
		{"()", "expected a condition, found ')' at position 2"},
		{"(inviter eq 'x'", "missing ')' for the '(' at position 1"},
		{"((inviter eq 'x')", "missing ')' for the '(' at position 1"},
		{"(inviter eq 'x') and (created eq 1", "missing ')' for the '(' at position 22"},
		{"inviter eq 'x')", "unbalanced ')' at position 15"},
		{")", "expected a condition, found ')' at position 1"},
		{strings.Repeat("(", 33) + "created eq 1" + strings.Repeat(")", 33), "'(' at position 33 nests deeper than 32 levels"},
		{strings.Repeat("(", 4000), "'(' at position 33 nests deeper than 32 levels"},

		// Anything else.
		{"inviter eq 'x', invitee eq 'y'", "unexpected character ',' at position 15"},
		{"inviter eq 'x'\ninvitee", "unexpected character '\\u000A' at position 15"},
		{"inviter\u00a0eq 'x'", "unexpected character '\\u00A0' at position 8"},
		{"$filter=inviter eq 'x'", "unexpected character '$' at position 1"},
	}
	for _, tt := range tests {
		got, err := odata.ParseFilter(tt.in)
		if err == nil {
			t.Errorf("ParseFilter(%.80q) = %v; want error %q", tt.in, got, tt.want)
			continue
		}
		msg := checkInvalid(t, "ParseFilter", err, "$filter")
		if want := "$filter: " + tt.want; msg != want {
			t.Errorf("ParseFilter(%.80q) error = %q; want %q", tt.in, msg, want)
		}
	}
}
