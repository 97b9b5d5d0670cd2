package invitations_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

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

// TestStampID: a new invitation's id is a version 7 UUID, lower-case, whose
// time is the creation's millisecond, unique, and in the order of creation
// across milliseconds.
func TestStampID(t *testing.T) {
	start := time.Date(2026, 11, 27, 6, 0, 0, 123_456_789, time.UTC)
	seen := map[string]bool{}
	prev := ""
	for i := range 3000 {
		now := start.Add(time.Duration(i/3) * time.Millisecond) // three creates a millisecond
		inv := invitations.Invitation{Inviter: "urn:li:person:a", Invitee: "urn:li:person:b"}.Stamp(now)
		u, err := uuid.Parse(inv.ID)
		if err != nil || u.String() != inv.ID || u.Version() != 7 || u.Variant() != uuid.RFC4122 || seen[inv.ID] {
			t.Fatalf("Stamp's id %q (%v); want a new version 7 UUID, lower-case", inv.ID, err)
		}
		seen[inv.ID] = true
		sec, nsec := u.Time().UnixTime()
		if got := time.Unix(sec, nsec); !got.Equal(now.Truncate(time.Millisecond)) || !got.Equal(inv.Created) {
			t.Fatalf("Stamp(%v)'s id %s holds the time %v; want its created, %v", now, inv.ID, got, inv.Created)
		}
		if i%3 == 0 && inv.ID <= prev {
			t.Fatalf("id %s of a later millisecond sorts before %s", inv.ID, prev)
		}
		prev = max(prev, inv.ID)
	}
}
