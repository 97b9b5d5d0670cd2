package invitations_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations"
)

func TestReplay(t *testing.T) {
	req := invitations.IdempotentRequest{Operation: invitations.OpCreateInvitation, Fingerprint: "f"}
	created := []byte(`{"invitation":{"id":"i-1","tenant":"t","inviter":"urn:li:person:a","invitee":"urn:li:person:b","created":1,"lastModified":1,"version":1}}`)
	tests := []struct {
		name string
		rec  invitations.IdempotencyRecord
		want invitations.Outcome
		err  error
	}{
		{"the same request", invitations.IdempotencyRecord{Operation: invitations.OpCreateInvitation, Fingerprint: "f", Outcome: created},
			invitations.Outcome{Replayed: true, Invitation: &invitations.Invitation{ID: "i-1", Tenant: "t", Inviter: "urn:li:person:a",
				Invitee: "urn:li:person:b", Created: time.UnixMilli(1), LastModified: time.UnixMilli(1), State: invitations.StatePending, Version: 1}}, nil},
		{"another body", invitations.IdempotencyRecord{Operation: invitations.OpCreateInvitation, Fingerprint: "g", Outcome: created},
			invitations.Outcome{}, invitations.ErrKeyReused},
		{"another operation", invitations.IdempotencyRecord{Operation: invitations.OpCloseInvitations, Fingerprint: "f", Outcome: created},
			invitations.Outcome{}, invitations.ErrKeyReused},
	}
	closeReq := invitations.IdempotentRequest{Operation: invitations.OpCloseInvitations, Fingerprint: "f"}
	closed := []byte(`{"closeResults":[{"id":"i-1","changed":true},{"id":"i-2","error":{"kind":"notFound","message":"invitation i-2 does not exist"}}]}`)
	for _, tt := range []struct {
		name string
		req  invitations.IdempotentRequest
		rec  invitations.IdempotencyRecord
		want invitations.Outcome
		err  error
	}{
		{"a close, again", closeReq, invitations.IdempotencyRecord{Operation: invitations.OpCloseInvitations, Fingerprint: "f", Outcome: closed},
			invitations.Outcome{Replayed: true, CloseResults: []invitations.CloseResult{{ID: "i-1", Changed: true},
				{ID: "i-2", Err: invitations.NotFoundError("i-2")}}}, nil},
		{"a close with a create's key", closeReq, invitations.IdempotencyRecord{Operation: invitations.OpCreateInvitation, Fingerprint: "f", Outcome: created},
			invitations.Outcome{}, invitations.ErrKeyReused},
		{"a create with a close's key", req, invitations.IdempotencyRecord{Operation: invitations.OpCloseInvitations, Fingerprint: "f", Outcome: closed},
			invitations.Outcome{}, invitations.ErrKeyReused},
	} {
		got, err := tt.req.Replay(tt.rec)
		if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
			t.Errorf("%s: Replay = %v; want %v", tt.name, err, tt.err)
		}
		if diff := cmp.Diff(tt.want, got, sameError); diff != "" {
			t.Errorf("%s: Replay (-want +got):\n%s", tt.name, diff)
		}
	}
	for _, tt := range tests {
		got, err := req.Replay(tt.rec)
		if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
			t.Errorf("%s: Replay = %v; want %v", tt.name, err, tt.err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: Replay (-want +got):\n%s", tt.name, diff)
		}
	}
	if _, err := req.Replay(invitations.IdempotencyRecord{Operation: invitations.OpCreateInvitation, Fingerprint: "f", Outcome: []byte(`{}`)}); err == nil {
		t.Error("Replay of a record with an empty outcome = nil; want an error")
	}
}

// The stored form is fixed: the migrations write it, and records written by
// one version replay in the next. These are its exact bytes.
func TestOutcomeStoredForm(t *testing.T) {
	at := time.UnixMilli(1795628728473)
	tests := []struct {
		name   string
		out    invitations.Outcome
		stored string
	}{
		{"created, everything", invitations.Outcome{Invitation: &invitations.Invitation{ID: "3f0c8e1a", Tenant: "t-1",
			Inviter: "urn:li:person:A", Invitee: "urn:li:email:ada@contoso.com", TrackingID: "track <1>",
			Message: &invitations.Message{TemplateID: "urn:li:invitationTemplate:1", Body: "Ada, \"hi\" & é"},
			Created: at, LastModified: at.Add(time.Millisecond), State: invitations.StatePending, Version: 2}},
			`{"invitation":{"id":"3f0c8e1a","tenant":"t-1","inviter":"urn:li:person:A","invitee":"urn:li:email:ada@contoso.com",` +
				`"message":{"templateId":"urn:li:invitationTemplate:1","body":"Ada, \"hi\" \u0026 é"},"trackingId":"track \u003c1\u003e",` +
				`"created":1795628728473,"lastModified":1795628728474,"state":"pending","version":2}}`},
		{"created, an empty message", invitations.Outcome{Invitation: &invitations.Invitation{ID: "i", Tenant: "t",
			Inviter: "urn:li:person:A", Invitee: "urn:li:person:B", Message: &invitations.Message{}, Created: at, LastModified: at,
			State: invitations.StatePending, Version: 1}},
			`{"invitation":{"id":"i","tenant":"t","inviter":"urn:li:person:A","invitee":"urn:li:person:B","message":{},` +
				`"created":1795628728473,"lastModified":1795628728473,"state":"pending","version":1}}`},
		{"created, no message", invitations.Outcome{Invitation: &invitations.Invitation{ID: "i", Tenant: "t",
			Inviter: "urn:li:person:A", Invitee: "urn:li:person:B", Created: at, LastModified: at, State: invitations.StatePending, Version: 1}},
			`{"invitation":{"id":"i","tenant":"t","inviter":"urn:li:person:A","invitee":"urn:li:person:B",` +
				`"created":1795628728473,"lastModified":1795628728473,"state":"pending","version":1}}`},
		{"a closed invitation", invitations.Outcome{Invitation: &invitations.Invitation{ID: "i", Tenant: "t",
			Inviter: "urn:li:person:A", Invitee: "urn:li:person:B", Created: at, LastModified: at.Add(time.Second),
			State: invitations.StateAccepted, Closed: at.Add(time.Second), Version: 2}},
			`{"invitation":{"id":"i","tenant":"t","inviter":"urn:li:person:A","invitee":"urn:li:person:B",` +
				`"created":1795628728473,"lastModified":1795628729473,"state":"accepted","closed":1795628729473,"version":2}}`},
		{"the pair's conflict", invitations.Outcome{Refusal: invitations.ConflictError("urn:li:person:A", "urn:li:person:B")},
			`{"refusal":{"kind":"conflict","message":"an invitation from urn:li:person:A to urn:li:person:B already exists"}}`},
		{"a refusal with a target", invitations.Outcome{Refusal: &invitations.Error{Kind: invitations.ErrForbidden, Message: "no", Target: "inviter"}},
			`{"refusal":{"kind":"forbidden","message":"no","target":"inviter"}}`},
		{"a close's results", invitations.Outcome{CloseResults: []invitations.CloseResult{
			{ID: "i-1", Changed: true},
			{ID: "i-2"},
			{ID: "i-3", Err: invitations.NotFoundError("i-3")},
			{ID: "i-4", Err: &invitations.Error{Kind: invitations.ErrConflict, Message: "invitation i-4 was ignored already", Target: "state"}},
			{ID: "i-5", Err: &invitations.Error{Kind: invitations.ErrForbidden, Message: "only the invitee <b>"}},
		}},
			`{"closeResults":[{"id":"i-1","changed":true},{"id":"i-2"},` +
				`{"id":"i-3","error":{"kind":"notFound","message":"invitation i-3 does not exist"}},` +
				`{"id":"i-4","error":{"kind":"conflict","message":"invitation i-4 was ignored already","target":"state"}},` +
				`{"id":"i-5","error":{"kind":"forbidden","message":"only the invitee \u003cb\u003e"}}]}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.out)
		if err != nil || string(b) != tt.stored {
			t.Errorf("%s: Marshal = %s, %v; want %s", tt.name, b, err, tt.stored)
		}
		var back invitations.Outcome
		if err := json.Unmarshal([]byte(tt.stored), &back); err != nil {
			t.Errorf("%s: Unmarshal(%s): %v", tt.name, tt.stored, err)
		}
		if diff := cmp.Diff(tt.out, back, sameError); diff != "" {
			t.Errorf("%s: Unmarshal(Marshal(o)) (-o +got):\n%s", tt.name, diff)
		}
	}
}

// sameError compares *Errors by value, their kinds by identity.
var sameError = cmp.Options{
	cmp.Comparer(func(a, b *invitations.Error) bool {
		return a == nil && b == nil || a != nil && b != nil && *a == *b
	}),
	// A CloseResult's Err is an error: compare the *Errors it holds.
	cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Err" }, cmp.Comparer(func(a, b error) bool {
		var ea, eb *invitations.Error
		return a == nil && b == nil || errors.As(a, &ea) && errors.As(b, &eb) && *ea == *eb
	})),
}

// What the migrations write from old records, with nulls for what was
// absent, reads the same as the form the store writes.
func TestOutcomeReadsNulls(t *testing.T) {
	var got invitations.Outcome
	stored := `{"invitation":{"id":"i","tenant":"t","inviter":"urn:li:person:A","invitee":"urn:li:person:B",` +
		`"message":{"templateId":null,"body":null},"trackingId":null,"created":5,"lastModified":5,"version":1}}`
	if err := json.Unmarshal([]byte(stored), &got); err != nil {
		t.Fatal(err)
	}
	want := invitations.Outcome{Invitation: &invitations.Invitation{ID: "i", Tenant: "t", Inviter: "urn:li:person:A",
		Invitee: "urn:li:person:B", Message: &invitations.Message{}, Created: time.UnixMilli(5), LastModified: time.UnixMilli(5),
		State: invitations.StatePending, Version: 1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Unmarshal(%s) (-want +got):\n%s", stored, diff)
	}
}

func TestOutcomeRefusesMalformed(t *testing.T) {
	for _, stored := range []string{
		`{}`,
		`{"invitation":{"id":"i"},"refusal":{"kind":"conflict","message":"m"}}`,
		`{"refusal":{"kind":"no such kind","message":"m"}}`,
		`[]`,
		`{"closeResults":[]}`,
		`{"closeResults":[{"id":"i"}],"refusal":{"kind":"conflict","message":"m"}}`,
		`{"closeResults":[{"id":"i","error":{"kind":"no such kind","message":"m"}}]}`,
	} {
		var o invitations.Outcome
		if err := json.Unmarshal([]byte(stored), &o); err == nil {
			t.Errorf("Unmarshal(%s) = nil; want an error", stored)
		}
	}
	for _, o := range []invitations.Outcome{
		{},
		{Invitation: &invitations.Invitation{}, Refusal: invitations.ConflictError("a", "b")},
		{Refusal: &invitations.Error{Kind: errors.New("not a kind")}},
		{CloseResults: []invitations.CloseResult{}},
		{Invitation: &invitations.Invitation{}, CloseResults: []invitations.CloseResult{{ID: "i"}}},
		{CloseResults: []invitations.CloseResult{{ID: "i", Err: errors.New("not an *Error")}}},
		{CloseResults: []invitations.CloseResult{{ID: "i", Err: &invitations.Error{Kind: errors.New("not a kind")}}}},
	} {
		if b, err := json.Marshal(o); err == nil {
			t.Errorf("Marshal(%+v) = %s; want an error", o, b)
		}
	}
}
