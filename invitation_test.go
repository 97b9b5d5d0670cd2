package invitations_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/graph-linkedin/invitations"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		inviter, invitee string
		body             string
		target           string // "" when valid
	}{
		{"urn:li:person:a1_B-2", "urn:li:person:Qm9i", "", ""},
		{"urn:li:person:a", "urn:li:emailAddress:6931238781", "", ""},
		{"urn:li:person:a", "urn:li:phoneAccount:41786521", "", ""},
		{"urn:li:person:a", "urn:li:email:ada.lovelace@contoso.com", strings.Repeat("é", 300), ""},
		{"", "urn:li:person:b", "", "inviter"},
		{"urn:li:email:a@b.co", "urn:li:person:b", "", "inviter"},
		{"urn:li:person:", "urn:li:person:b", "", "inviter"},
		{"urn:li:person:a", "", "", "invitee"},
		{"urn:li:person:a", "urn:li:organization:1", "", "invitee"},
		{"urn:li:person:a", "urn:li:email:not-an-address", "", "invitee"},
		{"urn:li:person:a", "urn:li:person:b c", "", "invitee"},
		{"urn:li:person:a", "urn:li:person:b", strings.Repeat("x", 301), "message.invitationMessage.body"},
		{"urn:li:person:a", "urn:li:person:b", "nul\x00", "message.invitationMessage.body"},
		{"urn:li:person:a", "urn:li:email:a\x00@b.co", "", "invitee"},
	}
	for _, tt := range tests {
		inv := invitations.Invitation{Inviter: tt.inviter, Invitee: tt.invitee}
		if tt.body != "" {
			inv.Message = &invitations.Message{Body: tt.body}
		}
		err := inv.Validate()
		var e *invitations.Error
		switch {
		case tt.target == "" && err != nil:
			t.Errorf("Validate(%q, %q) = %v; want nil", tt.inviter, tt.invitee, err)
		case tt.target != "" && (!errors.As(err, &e) || e.Target != tt.target || !errors.Is(err, invitations.ErrInvalid)):
			t.Errorf("Validate(%q, %q) = %v; want ErrInvalid about %s", tt.inviter, tt.invitee, err, tt.target)
		}
	}

	for _, inv := range []invitations.Invitation{
		{Inviter: "urn:li:person:a", Invitee: "urn:li:person:b", TrackingID: "t\x00"},
		{Inviter: "urn:li:person:a", Invitee: "urn:li:person:b", Message: &invitations.Message{TemplateID: "\x00"}},
	} {
		if err := inv.Validate(); !errors.Is(err, invitations.ErrInvalid) {
			t.Errorf("Validate(%+v) = %v; want ErrInvalid (NUL)", inv, err)
		}
	}
}
