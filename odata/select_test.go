package odata_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations/odata"
)

func TestParseSelect(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"id", []string{"id"}},
		{"inviter", []string{"id", "inviter"}},
		{" trackingId ", []string{"id", "trackingId"}},
		{"message,inviter, created ,inviter", []string{"id", "created", "inviter", "message"}},
		{"trackingId,message,invitee,inviter,lastModified,created,id", []string{
			"id", "created", "lastModified", "inviter", "invitee", "message", "trackingId"}},
		{"closed,state", []string{"id", "state", "closed"}},
		{"id,id,id", []string{"id"}},
		{"\tinvitee\t,\tcreated", []string{"id", "created", "invitee"}},
	}
	for _, tt := range tests {
		got, err := odata.ParseSelect(tt.in)
		if err != nil {
			t.Errorf("ParseSelect(%q) error = %v; want nil", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseSelect(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestParseSelectInvalid(t *testing.T) {
	const selectable = "id, created, lastModified, inviter, invitee, message, trackingId, state, closed"
	tests := []struct {
		in, want string // want is the message after "$select: "
	}{
		{"", "empty; name at least one of " + selectable},
		{"  ", "empty; name at least one of " + selectable},
		{"id,,inviter", "empty item before the ',' at position 4"},
		{"id, ,inviter", "empty item before the ',' at position 5"},
		{",id", "empty item before the ',' at position 1"},
		{"id,", "empty item after the ',' at position 3"},
		{"id, ", "empty item after the ',' at position 3"},
		{",", "empty item before the ',' at position 1"},
		{"*", "'*' at position 1 is not supported; name the properties (" + selectable + ")"},
		{"id, *", "'*' at position 5 is not supported; name the properties (" + selectable + ")"},
		{"message/body", "path 'message/body' at position 1 is not supported; select whole properties (" + selectable + ")"},
		{"id,message/invitationMessage/body", "path 'message/invitationMessage/body' at position 4 is not supported; select whole properties (" + selectable + ")"},
		{"microsoft.graph.x", "path 'microsoft.graph.x' at position 1 is not supported; select whole properties (" + selectable + ")"},
		{"status", "unknown property 'status' at position 1; selectable: " + selectable},
		{"id,Inviter", "unknown property 'Inviter' at position 4 (did you mean 'inviter'?); selectable: " + selectable},
		{"tracking_id", "unknown property 'tracking_id' at position 1; selectable: " + selectable},
		{"é,status", "unknown property 'é' at position 1; selectable: " + selectable},
		{"é,status x", "unknown property 'é' at position 1; selectable: " + selectable},
		{"id created", "expected ',' before 'created' at position 4"},
		{"id;created", "unknown property 'id;created' at position 1; selectable: " + selectable},
		{"id,\xff", "invalid UTF-8 at position 4"},
		{strings.Repeat("id,", 1366), "longer than 4096 bytes"},
	}
	for _, tt := range tests {
		got, err := odata.ParseSelect(tt.in)
		if err == nil {
			t.Errorf("ParseSelect(%.80q) = %q; want error %q", tt.in, got, tt.want)
			continue
		}
		msg := checkInvalid(t, "ParseSelect", err, "$select")
		if want := "$select: " + tt.want; msg != want {
			t.Errorf("ParseSelect(%.80q) error = %q; want %q", tt.in, msg, want)
		}
	}
}
