package server

import (
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
