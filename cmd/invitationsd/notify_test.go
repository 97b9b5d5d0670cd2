package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/client/raw"
	"github.com/graph-linkedin/invitations/notifytest"
	"github.com/graph-linkedin/invitations/postgres/pgtest"
)

// notifyFlags run change notifications as the tests need them: to the
// receivers on 127.0.0.1, promptly, retrying often.
var notifyFlags = []string{"-notify-allow-private", "-notify-poll-interval", "50ms", "-notify-max-backoff", "300ms", "-rate-limit", "0"}

// eventually is the deadline of the eventual checks: generous, for a
// loaded machine.
const eventually = 60 * time.Second

// tokenOf mints a token of sub in tenant, with delegated scopes scp or
// application roles.
func tokenOf(t *testing.T, keyFile, tenant, sub, scp, roles string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	args := []string{"invitationsd", "token", "-key-file", keyFile, "-sub", sub, "-tid", tenant}
	if scp != "" {
		args = append(args, "-scp", scp)
	}
	if roles != "" {
		args = append(args, "-roles", roles)
	}
	if err := run(context.Background(), args, func(string) string { return "" }, &out, &errOut); err != nil {
		t.Fatalf("token: %v; %s", err, errOut.String())
	}
	return strings.TrimSpace(out.String())
}

// subscribeTo subscribes the caller of a to every change, delivered to r.
func subscribeTo(t *testing.T, a *api, r *notifytest.Receiver) string {
	t.Helper()
	body := fmt.Sprintf(`{"changeType": "created,updated,deleted", "notificationUrl": %q, "lifecycleNotificationUrl": %q,
		"resource": "linkedIn/invitations", "expirationDateTime": %q, "clientState": "s3cret"}`,
		r.NotifyURL(), r.LifecycleURL(), time.Now().Add(48*time.Hour).UTC().Format(time.RFC3339))
	res := a.do("POST", "/v1.0/subscriptions", body)
	if res.status != http.StatusCreated {
		t.Fatalf("subscribe = %d; want 201\n%s", res.status, res.body)
	}
	return res.field("id")
}

// change is a notification as the tests compare them.
type change struct{ Type, Invitation string }

func changesOf(ns []raw.ChangeNotification) []change {
	var out []change
	for _, n := range ns {
		out = append(out, change{string(n.ChangeType), n.ResourceData.ID})
	}
	return out
}

// Change notifications end to end, on SQLite and on PostgreSQL: each change
// type arrives at the subscriptions that may see it, in order, with
// Graph's body; another tenant's and (for a delegated subscriber) other
// people's invitations never arrive; a failed handshake is a 400; a
// receiver down for a while gets everything once it is back.
func TestNotifications(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "invitations.db")
			if engine == "postgres" {
				db = pgtest.Database(t)
			}
			t.Parallel()
			testNotifications(t, db)
		})
	}
}

func testNotifications(t *testing.T, db string) {
	const tenantA, tenantB = "6f1c2d3e-0a1b-4c5d-8e9f-a0b1c2d3e4f5", "0d9e8f7a-6b5c-4d3e-9f2a-1b0c9d8e7f6a"
	const alice, bob = "urn:li:person:A1iceX9", "urn:li:person:B0bY7z"
	keyFile := filepath.Join(t.TempDir(), "dev-jwt.key")
	addr, _ := startRun(t, append([]string{"-addr", "127.0.0.1:0", "-db", db, "-dev-key-file", keyFile}, notifyFlags...)...)
	as := func(tenant, sub, scp, roles string) *api {
		return newAPI(t, addr, tokenOf(t, keyFile, tenant, sub, scp, roles))
	}
	writer := as(tenantA, "app-writer", "", invitations.PermReadWriteAll)
	reader := as(tenantA, "app-reader", "", invitations.PermReadAll)
	aliceRW := as(tenantA, alice, invitations.PermReadWrite, "")
	aliceR := as(tenantA, alice, invitations.PermRead, "")
	bobRW := as(tenantA, bob, invitations.PermReadWrite, "")
	outsider := as(tenantB, "app-outside", "", invitations.PermReadAll)

	tenantR, aliceRecv, outsideR := notifytest.New(t), notifytest.New(t), notifytest.New(t)
	sub := subscribeTo(t, reader, tenantR)
	subscribeTo(t, aliceR, aliceRecv)
	subscribeTo(t, outsider, outsideR)
	wrong := notifytest.New(t)
	wrong.SetHandshake(notifytest.HandshakeWrongToken, 0)
	refused := reader.do("POST", "/v1.0/subscriptions", fmt.Sprintf(`{"changeType": "created", "notificationUrl": %q,
		"resource": "linkedIn/invitations", "expirationDateTime": %q}`, wrong.NotifyURL(), time.Now().Add(time.Hour).UTC().Format(time.RFC3339)))
	if refused.status != http.StatusBadRequest || !strings.Contains(string(refused.body), `"target":"notificationUrl"`) {
		t.Errorf("subscribe with a wrong handshake = %d\n%s; want 400 naming notificationUrl", refused.status, refused.body)
	}

	mine := aliceRW.do("POST", collection, `{"invitee": "`+bob+`"}`)
	others := writer.do("POST", collection, `{"inviter": "urn:li:person:C4rol", "invitee": "urn:li:person:D4n"}`)
	if mine.status != http.StatusCreated || others.status != http.StatusCreated {
		t.Fatalf("creates = %d, %d; want 201s\n%s\n%s", mine.status, others.status, mine.body, others.body)
	}
	id, otherID := mine.field("id"), others.field("id")
	if r := aliceRW.do("PATCH", collection+"/"+id, `{"trackingId": "t-1"}`); r.status != http.StatusOK {
		t.Fatalf("PATCH = %d\n%s", r.status, r.body)
	}
	if r := bobRW.do("POST", collection+"/inviteeClosingInvitation", `{"action": "accept", "invitationIds": ["`+id+`"]}`); r.status != http.StatusOK {
		t.Fatalf("close = %d\n%s", r.status, r.body)
	}
	if r := aliceRW.do("DELETE", collection+"/"+id, ""); r.status != http.StatusNoContent {
		t.Fatalf("DELETE = %d\n%s", r.status, r.body)
	}
	ofMine := []change{{"created", id}, {"updated", id}, {"updated", id}, {"deleted", id}}
	want := []change{{"created", id}, {"created", otherID}, {"updated", id}, {"updated", id}, {"deleted", id}}
	tenantR.Wait(eventually, "the tenant's 5 changes", func(r *notifytest.Receiver) bool { return len(r.Changes()) >= 5 })
	if diff := cmp.Diff(want, changesOf(tenantR.Changes())); diff != "" {
		t.Errorf("the application's notifications (-want +got):\n%s", diff)
	}
	aliceRecv.Wait(eventually, "alice's 4 changes", func(r *notifytest.Receiver) bool { return len(r.Changes()) >= 4 })
	if diff := cmp.Diff(ofMine, changesOf(aliceRecv.Changes())); diff != "" {
		t.Errorf("alice's notifications (-want +got):\n%s", diff)
	}
	first := tenantR.Changes()[0]
	if first.SubscriptionID != sub || first.TenantID != tenantA || first.ClientState == nil || *first.ClientState != "s3cret" ||
		first.Resource != "linkedIn/invitations/"+id || first.ResourceData.OdataID != first.Resource {
		t.Errorf("first notification %+v; want the subscription's id, tenant and clientState, and the invitation's path", first)
	}

	// Down for a while: what queues meanwhile arrives once it is back.
	tenantR.Down(true)
	var later []change
	for i := range 3 {
		r := writer.do("POST", collection, fmt.Sprintf(`{"inviter": "urn:li:person:C4rol", "invitee": "urn:li:person:Later%d"}`, i))
		if r.status != http.StatusCreated {
			t.Fatalf("create = %d\n%s", r.status, r.body)
		}
		later = append(later, change{"created", r.field("id")})
	}
	tenantR.Wait(eventually, "failed attempts", func(r *notifytest.Receiver) bool { return r.Failed() >= 3 })
	tenantR.Down(false)
	tenantR.Wait(eventually, "the changes made while it was down", func(r *notifytest.Receiver) bool { return len(r.Changes()) >= 8 })
	if diff := cmp.Diff(append(want, later...), changesOf(tenantR.Changes())); diff != "" {
		t.Errorf("the application's notifications after it came back (-want +got):\n%s", diff)
	}

	// By now anything misdirected would have arrived too.
	if got := outsideR.Changes(); len(got) != 0 {
		t.Errorf("another tenant's subscriber got %v; want nothing", changesOf(got))
	}
	if got := changesOf(aliceRecv.Changes()); !cmp.Equal(got, ofMine) {
		t.Errorf("alice's subscriber got %v; want only her own invitation's changes %v", got, ofMine)
	}
	res, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	metrics, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"invitations_notifications_queued_total", "invitations_notifications_delivered_total",
		"invitations_notifications_retried_total", "invitations_notifications_dropped_total", "invitations_notification_delivery_seconds"} {
		if !strings.Contains(string(metrics), name) {
			t.Errorf("/metrics has no %s", name)
		}
	}
}

// Two instances over one PostgreSQL database deliver each notification
// once (in the normal case: nobody's lease runs out).
func TestNotificationsTwoInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs two server processes; skipped with -short")
	}
	dsn := pgtest.Database(t)
	t.Parallel()
	bin := buildServer(t)
	keyFile := filepath.Join(t.TempDir(), "dev-jwt.key")
	addrs := make([]string, 2)
	var wg sync.WaitGroup
	for i := range addrs {
		wg.Go(func() {
			addrs[i], _ = startProcess(t, bin, append([]string{"-addr", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0", "-db", dsn,
				"-dev-key-file", keyFile, "-db-max-conns", "4"}, notifyFlags...)...)
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	const tenant = "6f1c2d3e-0a1b-4c5d-8e9f-a0b1c2d3e4f5"
	tok := tokenOf(t, keyFile, tenant, "app-1", "", invitations.PermReadWriteAll)
	a, b := newAPI(t, addrs[0], tok), newAPI(t, addrs[1], tok)
	r := notifytest.New(t)
	subscribeTo(t, a, r)
	const n = 40
	created := map[string]bool{}
	for i := range n {
		res := []*api{a, b}[i%2].do("POST", collection, fmt.Sprintf(`{"inviter": "urn:li:person:A1iceX9", "invitee": "urn:li:person:P%d"}`, i))
		if res.status != http.StatusCreated {
			t.Fatalf("create = %d\n%s", res.status, res.body)
		}
		created[res.field("id")] = true
	}
	r.Wait(eventually, "every notification", func(r *notifytest.Receiver) bool { return len(r.Changes()) >= n })
	// Any duplicate would have come by now, with the rest.
	time.Sleep(time.Second)
	times := map[string]int{}
	for _, c := range r.Changes() {
		times[c.ID]++
		if !created[c.ResourceData.ID] {
			t.Errorf("a notification of %s, which no one created", c.ResourceData.ID)
		}
	}
	for id, k := range times {
		if k != 1 {
			t.Errorf("notification %s delivered %d times; want once", id, k)
		}
	}
	if len(times) != n {
		t.Errorf("%d notifications; want %d", len(times), n)
	}
}
