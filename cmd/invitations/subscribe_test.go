package main

import (
	"strings"
	"testing"
	"time"

	"github.com/graph-linkedin/invitations/client"
	"github.com/graph-linkedin/invitations/notifytest"
)

// near reports whether got is within a minute of want.
func near(got, want time.Time) bool { return got.Sub(want).Abs() < time.Minute }

// subscribe, subscriptions, renew and unsubscribe against the real service,
// with a real receiver that gets the change made meanwhile.
func TestSubscriptionCommands(t *testing.T) {
	url, token := newNotifyingServer(t)
	env := map[string]string{"INVITATIONS_URL": url, "INVITATIONS_TOKEN": token}
	r := notifytest.New(t)

	sub := decode[client.Subscription](t, must(t, env, "subscribe", "--notification-url", r.NotifyURL(),
		"--lifecycle-url", r.LifecycleURL(), "--client-state", "s3cret", "--change-type", "created,deleted", "--expires", "1h"))
	if sub.ID == "" || sub.NotificationURL != r.NotifyURL() || sub.LifecycleNotificationURL != r.LifecycleURL() ||
		sub.ClientState != "s3cret" || sub.CreatorID != alice || !near(sub.Expiration, time.Now().Add(time.Hour)) ||
		changeTypes(sub.ChangeTypes) != "created,deleted" {
		t.Errorf("subscribe printed %+v", sub)
	}
	if n := r.Handshakes(); n != 2 {
		t.Errorf("%d handshakes; want 2, the notification URL's and the lifecycle URL's", n)
	}

	id := strings.TrimSpace(must(t, env, "create", "--invitee", "urn:li:person:B0bY7z", "--output", "id"))
	r.Wait(30*time.Second, "the create's notification", func(r *notifytest.Receiver) bool { return len(r.Changes()) >= 1 })
	if got := r.Changes(); len(got) != 1 || got[0].ChangeType != "created" || got[0].ResourceData.ID != id ||
		got[0].SubscriptionID != sub.ID || got[0].ClientState == nil || *got[0].ClientState != "s3cret" {
		t.Errorf("the receiver got %+v; want the create of %s", got, id)
	}

	type list struct {
		Value []client.Subscription `json:"value"`
	}
	if got := decode[list](t, must(t, env, "subscriptions")); len(got.Value) != 1 || got.Value[0].ID != sub.ID {
		t.Errorf("subscriptions printed %+v; want the one subscription", got)
	}
	if out := must(t, env, "subscriptions", "--output", "id"); out != sub.ID+"\n" {
		t.Errorf("subscriptions --output id printed %q; want %q", out, sub.ID+"\n")
	}
	table := strings.Split(strings.TrimSpace(must(t, env, "subscriptions", "--output", "table")), "\n")
	if len(table) != 2 || !strings.HasPrefix(table[0], "ID ") || !strings.HasPrefix(table[1], sub.ID+" ") ||
		!strings.Contains(table[1], " created,deleted ") || !strings.HasSuffix(table[1], r.NotifyURL()) {
		t.Errorf("subscriptions --output table printed:\n%s", strings.Join(table, "\n"))
	}

	renewed := decode[client.Subscription](t, must(t, env, "renew", sub.ID, "--expires", "48h"))
	if renewed.ID != sub.ID || !near(renewed.Expiration, time.Now().Add(48*time.Hour)) {
		t.Errorf("renew --expires 48h printed %+v", renewed)
	}
	block := map[string]string{}
	for line := range strings.Lines(must(t, env, "renew", sub.ID, "--output", "table")) {
		k, v, _ := strings.Cut(line, ":")
		block[k] = strings.TrimSpace(v)
	}
	if exp, err := time.Parse(time.RFC3339, block["expires"]); err != nil || !near(exp, time.Now().Add(72*time.Hour)) ||
		block["id"] != sub.ID || block["client state"] != "s3cret" || block["application"] != "-" {
		t.Errorf("renew --output table (default --expires, 72h) printed %v", block)
	}
	if n := r.Handshakes(); n != 6 {
		t.Errorf("%d handshakes after two renewals; want 6", n)
	}

	if out := must(t, env, "unsubscribe", sub.ID); out != "" {
		t.Errorf("unsubscribe printed %q; want nothing", out)
	}
	if out := must(t, env, "subscriptions"); out != "{\n  \"value\": []\n}\n" {
		t.Errorf("subscriptions after unsubscribe printed %q; want an empty value", out)
	}
	if out := must(t, env, "subscriptions", "--output", "table"); out != "no subscriptions\n" {
		t.Errorf("subscriptions --output table printed %q", out)
	}
	checkFailure(t, cli(t, env, "", "unsubscribe", sub.ID), "itemNotFound")
	checkFailure(t, cli(t, env, "", "renew", sub.ID), "itemNotFound")
}

// What the service refuses exits with 1 and its reason; what the command
// line gets wrong, with 2.
func TestSubscribeRefused(t *testing.T) {
	url, token := newNotifyingServer(t)
	env := map[string]string{"INVITATIONS_URL": url, "INVITATIONS_TOKEN": token}
	r := notifytest.New(t)
	r.SetHandshake(notifytest.HandshakeWrongToken, 0)
	res := cli(t, env, "", "subscribe", "--notification-url", r.NotifyURL())
	checkFailure(t, res, "badRequest")
	if !strings.Contains(res.stderr, "notificationUrl") {
		t.Errorf("subscribe with a failed handshake: stderr %q; want it to name notificationUrl", res.stderr)
	}
	checkFailure(t, cli(t, env, "", "subscribe", "--notification-url", r.NotifyURL(), "--change-type", "moved"), "badRequest")

	for _, args := range [][]string{
		{"subscribe"},
		{"subscribe", "--notification-url", r.NotifyURL(), "--expires", "73h"},
		{"subscribe", "--notification-url", r.NotifyURL(), "--expires", "-1h"},
		{"renew"},
		{"renew", "x", "--expires", "0s"},
		{"unsubscribe"},
		{"subscriptions", "x"},
	} {
		if res := cli(t, env, "", args...); res.code != 2 || !strings.Contains(res.stderr, "--help' for usage") {
			t.Errorf("invitations %s: exit %d, stderr %q; want 2", strings.Join(args, " "), res.code, res.stderr)
		}
	}
}
