package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/client/raw"
)

func TestGetInvitation(t *testing.T) {
	e := newEnv(t)
	created := e.create(delegated(t, tenantA, alice, invitations.PermReadWrite), raw.InvitationV2Create{
		Invitee: bob, TrackingID: ptr("t-1"),
		Message: &raw.InvitationV2Message{InvitationTemplateID: ptr("urn:li:invitationTemplate:9")},
	})
	inv := *created.JSON201

	res := e.get(delegated(t, tenantA, alice, invitations.PermRead), *inv.ID)
	if res.StatusCode() != http.StatusOK {
		t.Fatalf("status = %d; want 200; body %s", res.StatusCode(), res.Body)
	}
	if diff := cmp.Diff(inv, *res.JSON200); diff != "" {
		t.Errorf("get (-created +got):\n%s", diff)
	}
	if got, want := res.HTTPResponse.Header.Get("ETag"), created.HTTPResponse.Header.Get("ETag"); got == "" || got != want {
		t.Errorf("ETag = %q; want the create's %q", got, want)
	}

	for _, tt := range []struct {
		name   string
		token  string
		id     string
		status int
	}{
		{"the invitee", delegated(t, tenantA, bob, invitations.PermRead), *inv.ID, 200},
		{"an application of the tenant", application(t, tenantA, invitations.PermReadAll), *inv.ID, 200},
		{"someone else in the tenant", delegated(t, tenantA, "urn:li:person:C4rol", invitations.PermReadWrite), *inv.ID, 404},
		{"another tenant's application", application(t, tenantB, invitations.PermReadWriteAll), *inv.ID, 404},
		{"another tenant's same user", delegated(t, tenantB, alice, invitations.PermReadWrite), *inv.ID, 404},
		{"no such invitation", delegated(t, tenantA, alice, invitations.PermRead), "3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60", 404},
		{"malformed id", delegated(t, tenantA, alice, invitations.PermRead), "not-a-uuid", 400},
		{"no read permission", delegated(t, tenantA, alice, "User.Read"), *inv.ID, 403},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := e.get(tt.token, tt.id)
			if res.StatusCode() != tt.status {
				t.Fatalf("status = %d; want %d; body %s", res.StatusCode(), tt.status, res.Body)
			}
			switch tt.status {
			case 404:
				// Invisible and missing look the same, to the message.
				want := "invitation " + tt.id + " does not exist"
				if got := errorOf(t, res.Body); got.Code != raw.ErrorCodeItemNotFound || got.Message != want {
					t.Errorf("error = %s %q; want itemNotFound %q", got.Code, got.Message, want)
				}
			case 400:
				if got := errorOf(t, res.Body); deref(got.Target) != "id" {
					t.Errorf("target = %q; want id", deref(got.Target))
				}
			}
		})
	}
}

func TestUpdateInvitation(t *testing.T) {
	e := newEnv(t)
	rw := delegated(t, tenantA, alice, invitations.PermReadWrite)
	start := `{"invitee": "urn:li:person:Qm9i", "trackingId": "t-1", "message": {"invitationTemplateID": "urn:li:invitationTemplate:9", "invitationMessage": {"body": "hello"}}}`
	tests := []struct {
		name  string
		patch string
		want  func(*raw.InvitationV2) // edits the original into the expected
	}{
		{"nothing", `{}`, func(*raw.InvitationV2) {}},
		{"new body keeps the template", `{"message": {"invitationMessage": {"body": "hi again"}}}`,
			func(w *raw.InvitationV2) { w.Message.InvitationMessage.Body = ptr("hi again") }},
		{"new template keeps the body", `{"message": {"invitationTemplateID": "urn:li:invitationTemplate:10"}}`,
			func(w *raw.InvitationV2) { w.Message.InvitationTemplateID = ptr("urn:li:invitationTemplate:10") }},
		{"null body", `{"message": {"invitationMessage": {"body": null}}}`,
			func(w *raw.InvitationV2) { w.Message.InvitationMessage = nil }},
		{"null invitationMessage", `{"message": {"invitationMessage": null}}`,
			func(w *raw.InvitationV2) { w.Message.InvitationMessage = nil }},
		{"null template", `{"message": {"invitationTemplateID": null}}`,
			func(w *raw.InvitationV2) { w.Message.InvitationTemplateID = nil }},
		{"null message", `{"message": null}`, func(w *raw.InvitationV2) { w.Message = nil }},
		{"null trackingId", `{"trackingId": null}`, func(w *raw.InvitationV2) { w.TrackingID = nil }},
		{"new trackingId", `{"trackingId": "t-2"}`, func(w *raw.InvitationV2) { w.TrackingID = ptr("t-2") }},
		{"current inviter and invitee, read-only properties", `{"@odata.type": "#microsoft.graph.InvitationV2", "id": "x", "created": 1, "lastModified": 2,
			"inviter": "urn:li:person:A1iceX9", "invitee": "urn:li:person:Qm9i", "trackingId": "t-3"}`,
			func(w *raw.InvitationV2) { w.TrackingID = ptr("t-3") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			invitee := "urn:li:person:U" + strings.ReplaceAll(strings.ReplaceAll(tt.name, " ", ""), ",", "")
			body := strings.Replace(start, "urn:li:person:Qm9i", invitee, 1)
			created := e.createRaw(rw, "application/json", body)
			if created.StatusCode() != http.StatusCreated {
				t.Fatalf("create: %d %s", created.StatusCode(), created.Body)
			}
			orig := *created.JSON201
			patch := strings.Replace(tt.patch, "urn:li:person:Qm9i", invitee, 1)
			res := e.update(rw, *orig.ID, patch, "")
			if res.StatusCode() != http.StatusOK {
				t.Fatalf("status = %d; want 200; body %s", res.StatusCode(), res.Body)
			}
			got := *res.JSON200
			want := orig
			want.Message = &raw.InvitationV2Message{OdataType: orig.Message.OdataType,
				InvitationTemplateID: orig.Message.InvitationTemplateID,
				InvitationMessage:    &raw.InvitationMessage{Body: orig.Message.InvitationMessage.Body}}
			tt.want(&want)
			want.LastModified = got.LastModified
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("updated (-want +got):\n%s", diff)
			}
			if *got.LastModified <= *orig.LastModified {
				t.Errorf("lastModified = %d; want later than %d", *got.LastModified, *orig.LastModified)
			}
			etag := res.HTTPResponse.Header.Get("ETag")
			if etag == "" || etag == created.HTTPResponse.Header.Get("ETag") {
				t.Errorf("ETag = %q after the update; want a new one (was %q)", etag, created.HTTPResponse.Header.Get("ETag"))
			}
			if after := e.get(rw, *orig.ID); !cmp.Equal(*after.JSON200, got) {
				t.Errorf("get after update = %+v; want %+v", *after.JSON200, got)
			}
		})
	}
}

func TestUpdateInvitationRejects(t *testing.T) {
	e := newEnv(t)
	rw := delegated(t, tenantA, alice, invitations.PermReadWrite)
	created := e.create(rw, raw.InvitationV2Create{Invitee: bob, TrackingID: ptr("t-1")})
	id, etag := *created.JSON201.ID, created.HTTPResponse.Header.Get("ETag")
	tests := []struct {
		name, token, id, patch, ifMatch string
		status                          int
		target                          string
	}{
		{"another inviter", rw, id, `{"inviter": "urn:li:person:Zed"}`, "", 400, "inviter"},
		{"another invitee", rw, id, `{"invitee": "urn:li:person:Zed"}`, "", 400, "invitee"},
		{"unknown property", rw, id, `{"status": "accepted"}`, "", 400, "status"},
		{"unknown message property", rw, id, `{"message": {"subject": "x"}}`, "", 400, "message.subject"},
		{"body too long", rw, id, `{"message": {"invitationMessage": {"body": "` + strings.Repeat("x", 301) + `"}}}`, "", 400, "message.invitationMessage.body"},
		{"empty trackingId", rw, id, `{"trackingId": ""}`, "", 400, "trackingId"},
		{"not an object", rw, id, `["trackingId"]`, "", 400, ""},
		{"malformed JSON", rw, id, `{"trackingId": `, "", 400, ""},
		{"malformed If-Match", rw, id, `{"trackingId": "t-2"}`, `3`, 400, "If-Match"},
		{"stale If-Match", rw, id, `{"trackingId": "t-2"}`, `"999"`, 412, ""},
		{"weak If-Match", rw, id, `{"trackingId": "t-2"}`, `W/` + etag, 412, ""},
		{"no such invitation", rw, "3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60", `{}`, "", 404, ""},
		{"malformed id", rw, "x", `{}`, "", 400, "id"},
		{"the invitee", delegated(t, tenantA, bob, invitations.PermReadWrite), id, `{"trackingId": "t-2"}`, "", 403, ""},
		{"someone else", delegated(t, tenantA, "urn:li:person:C4rol", invitations.PermReadWrite), id, `{"trackingId": "t-2"}`, "", 404, ""},
		{"read only", delegated(t, tenantA, alice, invitations.PermRead), id, `{"trackingId": "t-2"}`, "", 403, ""},
		{"another tenant", application(t, tenantB, invitations.PermReadWriteAll), id, `{"trackingId": "t-2"}`, "", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.update(tt.token, tt.id, tt.patch, tt.ifMatch)
			if res.StatusCode() != tt.status {
				t.Fatalf("status = %d; want %d; body %s", res.StatusCode(), tt.status, res.Body)
			}
			if got := errorOf(t, res.Body); tt.target != "" && (deref(got.Target) != tt.target || !strings.Contains(got.Message, tt.target)) {
				t.Errorf("error = %q (target %q); want it to name %s", got.Message, deref(got.Target), tt.target)
			}
		})
	}
	// Nothing of that changed the invitation.
	if got := e.get(rw, id); got.HTTPResponse.Header.Get("ETag") != etag || *got.JSON200.TrackingID != "t-1" {
		t.Errorf("after refused updates: ETag %q, trackingId %q; want %q, t-1", got.HTTPResponse.Header.Get("ETag"), *got.JSON200.TrackingID, etag)
	}
}

func TestUpdateInvitationIfMatch(t *testing.T) {
	e := newEnv(t)
	rw := delegated(t, tenantA, alice, invitations.PermReadWrite)
	created := e.create(rw, raw.InvitationV2Create{Invitee: bob})
	id, first := *created.JSON201.ID, created.HTTPResponse.Header.Get("ETag")

	res := e.update(rw, id, `{"trackingId": "a"}`, first)
	if res.StatusCode() != http.StatusOK {
		t.Fatalf("If-Match current: status = %d; want 200; body %s", res.StatusCode(), res.Body)
	}
	second := res.HTTPResponse.Header.Get("ETag")
	if res := e.update(rw, id, `{"trackingId": "b"}`, first); res.StatusCode() != http.StatusPreconditionFailed {
		t.Fatalf("If-Match stale: status = %d; want 412", res.StatusCode())
	} else if got := errorOf(t, res.Body).Code; got != raw.ErrorCodePreconditionFailed {
		t.Errorf("code = %q; want preconditionFailed", got)
	}
	if res := e.update(rw, id, `{"trackingId": "c"}`, `"1", `+second); res.StatusCode() != http.StatusOK {
		t.Fatalf("If-Match list with the current tag: status = %d; want 200", res.StatusCode())
	}
	if res := e.update(rw, id, `{"trackingId": "d"}`, "*"); res.StatusCode() != http.StatusOK {
		t.Fatalf("If-Match *: status = %d; want 200", res.StatusCode())
	}
	if got := e.get(rw, id); *got.JSON200.TrackingID != "d" {
		t.Errorf("trackingId = %q; want d", *got.JSON200.TrackingID)
	}
	if res := e.update(rw, "3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60", `{}`, "*"); res.StatusCode() != http.StatusNotFound {
		t.Errorf("If-Match * on a missing invitation: status = %d; want 404", res.StatusCode())
	}
}

func TestDeleteInvitation(t *testing.T) {
	e := newEnv(t)
	rw := delegated(t, tenantA, alice, invitations.PermReadWrite)
	created := e.create(rw, raw.InvitationV2Create{Invitee: bob})
	id, etag := *created.JSON201.ID, created.HTTPResponse.Header.Get("ETag")

	for _, tt := range []struct {
		name, token, ifMatch string
		status               int
	}{
		{"the invitee", delegated(t, tenantA, bob, invitations.PermReadWrite), "", 403},
		{"someone else", delegated(t, tenantA, "urn:li:person:C4rol", invitations.PermReadWrite), "", 404},
		{"read only", delegated(t, tenantA, alice, invitations.PermRead), "", 403},
		{"another tenant", application(t, tenantB, invitations.PermReadWriteAll), "", 404},
		{"stale If-Match", rw, `"999"`, 412},
	} {
		if res := e.delete(tt.token, id, tt.ifMatch); res.StatusCode() != tt.status {
			t.Errorf("%s: status = %d; want %d; body %s", tt.name, res.StatusCode(), tt.status, res.Body)
		}
	}
	if res := e.delete(rw, id, etag); res.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete: status = %d; want 204; body %s", res.StatusCode(), res.Body)
	}
	if res := e.get(rw, id); res.StatusCode() != http.StatusNotFound {
		t.Errorf("get after delete: status = %d; want 404", res.StatusCode())
	}
	if res := e.delete(rw, id, ""); res.StatusCode() != http.StatusNotFound {
		t.Errorf("delete again: status = %d; want 404", res.StatusCode())
	}
	if res := e.create(rw, raw.InvitationV2Create{Invitee: bob}); res.StatusCode() != http.StatusCreated {
		t.Errorf("inviting the same invitee again: status = %d; want 201; body %s", res.StatusCode(), res.Body)
	}
	if res := e.delete(rw, "bad-id", ""); res.StatusCode() != http.StatusBadRequest {
		t.Errorf("delete with a malformed id: status = %d; want 400", res.StatusCode())
	}
}
