package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/graph-linkedin/invitations/gen"
)

func TestFingerprint(t *testing.T) {
	body := func(tracking *string) *gen.InvitationV2Create {
		return &gen.InvitationV2Create{Invitee: "urn:li:person:B0b", TrackingID: tracking}
	}
	fingerprint := func(method, path string, body any) string {
		t.Helper()
		f, err := fingerprint(method, path, body)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	empty, one := "", "1"
	base := fingerprint("POST", "/v1.0/linkedIn/invitations", body(nil))
	if !strings.HasPrefix(base, "sha256:") || len(base) != len("sha256:")+64 {
		t.Errorf("fingerprint = %q; want sha256: and 64 hex digits", base)
	}
	if again := fingerprint("POST", "/v1.0/linkedIn/invitations", body(nil)); again != base {
		t.Errorf("fingerprint of an equal request = %q; want %q", again, base)
	}
	for _, other := range []string{
		fingerprint("PUT", "/v1.0/linkedIn/invitations", body(nil)),
		fingerprint("POST", "/v1.0/linkedIn/invitations/x", body(nil)),
		fingerprint("POST", "/v1.0/linkedIn/invitations", body(&empty)),
		fingerprint("POST", "/v1.0/linkedIn/invitations", body(&one)),
	} {
		if other == base {
			t.Errorf("another request has the same fingerprint %q", base)
		}
	}
}

// A request's fingerprint is what the previous versions computed (their
// code, below), so that a retry across an upgrade matches the record the
// first request left: HTML's characters, non-ASCII and long bodies alike.
func TestFingerprintAsBefore(t *testing.T) {
	before := func(method, path string, body any) string {
		var buf bytes.Buffer
		buf.WriteString(method + " " + path + "\n")
		if err := json.NewEncoder(&buf).Encode(body); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(buf.Bytes())
		return "sha256:" + hex.EncodeToString(sum[:])
	}
	tracking, template, text := "t <&> 1", "urn:li:invitationTemplate:1", strings.Repeat("Ada, \"hi\" é \u2028 ", 100)
	for _, body := range []any{
		&gen.InvitationV2Create{Invitee: "urn:li:person:B0b"},
		&gen.InvitationV2Create{Invitee: "urn:li:email:a+b@contoso.com", TrackingID: &tracking,
			Message: &gen.InvitationV2Message{InvitationTemplateID: &template, InvitationMessage: &gen.InvitationMessage{Body: &text}}},
		&gen.InviteeClosingInvitation{},
	} {
		got, err := fingerprint("POST", "/v1.0/linkedIn/invitations", body)
		if want := before("POST", "/v1.0/linkedIn/invitations", body); err != nil || got != want {
			t.Errorf("fingerprint(%+v) = %q, %v; want %q, as before", body, got, err, want)
		}
	}
}
