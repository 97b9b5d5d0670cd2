package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/gen"
)

// The answers carrying one invitation are written as the generated
// response objects write them, byte for byte: status, header fields and
// body; a pooled buffer keeps nothing of the answer it last wrote.
func TestInvitationResponseAsGenerated(t *testing.T) {
	at := time.Date(2026, 11, 26, 12, 30, 5, 123456789, time.UTC)
	full := invitations.Invitation{ID: "3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60", Tenant: "t", Inviter: "urn:li:person:A1ice",
		Invitee: "urn:li:email:<bob>&co@example.com", TrackingID: "track \"1\"",
		Message: &invitations.Message{TemplateID: "tpl", Body: "Hello <b>é\u2028"},
		Created: at, LastModified: at.Add(time.Minute), State: invitations.StateAccepted, Closed: at.Add(time.Minute), Version: 12}
	bare := invitations.Invitation{ID: "a", Inviter: "i", Invitee: "e", Created: at, LastModified: at,
		State: invitations.StatePending, Version: 1}
	templateOnly := bare
	templateOnly.Message = &invitations.Message{TemplateID: "tpl"}

	rs := newResponder()
	for _, inv := range []invitations.Invitation{full, bare, templateOnly, full, bare} {
		var w wireInvitation
		w.set(inv)
		tag, loc := etag(inv), location(inv)
		replayed := rs.created(inv)
		replayed.replayed = true
		for _, tt := range []struct {
			name      string
			got, want func(http.ResponseWriter) error
		}{
			{"get", rs.invitation(http.StatusOK, inv).VisitGetInvitationResponse, gen.GetInvitation200JSONResponse{
				Body: w.InvitationV2, Headers: gen.GetInvitation200ResponseHeaders{ETag: tag}}.VisitGetInvitationResponse},
			{"update", rs.invitation(http.StatusOK, inv).VisitUpdateInvitationResponse, gen.UpdateInvitation200JSONResponse{
				Body: w.InvitationV2, Headers: gen.UpdateInvitation200ResponseHeaders{ETag: tag}}.VisitUpdateInvitationResponse},
			{"create", rs.created(inv).VisitCreateInvitationResponse, gen.CreateInvitation201JSONResponse{
				Body: w.InvitationV2, Headers: gen.CreateInvitation201ResponseHeaders{ETag: tag, Location: &loc}}.VisitCreateInvitationResponse},
			{"replayed create", replayed.VisitCreateInvitationResponse, gen.CreateInvitation201JSONResponse{
				Body: w.InvitationV2, Headers: gen.CreateInvitation201ResponseHeaders{ETag: tag, Location: &loc,
					IdempotencyReplayed: ptr(true)}}.VisitCreateInvitationResponse},
		} {
			got, want := httptest.NewRecorder(), httptest.NewRecorder()
			if err := tt.got(got); err != nil {
				t.Fatal(err)
			}
			if err := tt.want(want); err != nil {
				t.Fatal(err)
			}
			if got.Code != want.Code {
				t.Errorf("%s of %s: status %d; want %d", tt.name, inv.ID, got.Code, want.Code)
			}
			if diff := cmp.Diff(want.Header(), got.Header()); diff != "" {
				t.Errorf("%s of %s: header fields (-generated +written):\n%s", tt.name, inv.ID, diff)
			}
			if got.Body.String() != want.Body.String() {
				t.Errorf("%s of %s: body\n%s; want the generated\n%s", tt.name, inv.ID, got.Body, want.Body)
			}
		}
	}
}

// A list's 200 is written as the generated response object writes it,
// byte for byte, with a pooled buffer that keeps nothing of the page it
// last wrote.
func TestListResponseAsGenerated(t *testing.T) {
	at := time.Date(2026, 11, 26, 12, 30, 5, 0, time.UTC)
	rs := newResponder()
	count, next := int64(2), "https://example.com/v1.0/linkedIn/invitations?$skiptoken=x&$top=1"
	var a, b wireInvitation
	a.set(invitations.Invitation{ID: "a", Inviter: "i", Invitee: "urn:li:email:<bob>&co@example.com", Created: at, LastModified: at,
		State: invitations.StatePending, Message: &invitations.Message{Body: "hi\u2028"}, Version: 1})
	b.set(invitations.Invitation{ID: "b", Inviter: "i", Invitee: "e", Created: at, LastModified: at, State: invitations.StateIgnored, Closed: at})
	for _, c := range []gen.InvitationV2Collection{
		{OdataContext: "https://example.com/v1.0/$metadata#linkedIn/invitations", OdataCount: &count, OdataNextLink: &next,
			Value: []gen.InvitationV2{a.InvitationV2, b.InvitationV2}},
		{OdataContext: "c", Value: []gen.InvitationV2{}},
		{OdataContext: "c(invitee)", Value: []gen.InvitationV2{selectProperties(a.InvitationV2, []string{"invitee"})}},
	} {
		got, want := httptest.NewRecorder(), httptest.NewRecorder()
		if err := (&listResponse{responder: rs, body: c}).VisitListInvitationsResponse(got); err != nil {
			t.Fatal(err)
		}
		if err := (gen.ListInvitations200JSONResponse{Body: c}).VisitListInvitationsResponse(want); err != nil {
			t.Fatal(err)
		}
		if got.Code != want.Code {
			t.Errorf("%s: status %d; want %d", c.OdataContext, got.Code, want.Code)
		}
		if diff := cmp.Diff(want.Header(), got.Header()); diff != "" {
			t.Errorf("%s: header fields (-generated +written):\n%s", c.OdataContext, diff)
		}
		if got.Body.String() != want.Body.String() {
			t.Errorf("%s: body\n%s; want the generated\n%s", c.OdataContext, got.Body, want.Body)
		}
	}
}
