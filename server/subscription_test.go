package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/client/raw"
	"github.com/graph-linkedin/invitations/notify"
	"github.com/graph-linkedin/invitations/notifytest"
	"github.com/graph-linkedin/invitations/server"
)

// withHandshaker has the server check subscribers' URLs with c.
func withHandshaker(c *notify.Client) envOption {
	return func(o *server.Options) { o.Handshaker = c }
}

// permissive is the tests' handshake: private addresses and http allowed
// (the receivers listen on 127.0.0.1), a short timeout.
func permissive() envOption {
	return withHandshaker(notify.NewClient(notify.ClientOptions{AllowPrivate: true, Timeout: time.Second}))
}

// subscription is a valid create body to r, expiring in a day.
func subscription(r *notifytest.Receiver) raw.SubscriptionCreate {
	return raw.SubscriptionCreate{
		ChangeType:               "created,updated,deleted",
		NotificationURL:          r.NotifyURL(),
		LifecycleNotificationURL: ptr(r.LifecycleURL()),
		Resource:                 raw.SubscriptionCreateResource(invitations.SubscriptionResource),
		ExpirationDateTime:       time.Now().Add(24 * time.Hour).UTC().Truncate(time.Millisecond),
		ClientState:              ptr("secretClientState"),
	}
}

func (e *env) subscribe(token string, body raw.SubscriptionCreate) *raw.CreateSubscriptionResponse {
	e.t.Helper()
	res, err := e.client.CreateSubscriptionWithResponse(context.Background(), nil, body, as(token))
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

func (e *env) getSubscription(token, id string) *raw.GetSubscriptionResponse {
	e.t.Helper()
	res, err := e.client.GetSubscriptionWithResponse(context.Background(), id, nil, as(token))
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

func (e *env) renew(token, id string, exp time.Time) *raw.UpdateSubscriptionResponse {
	e.t.Helper()
	res, err := e.client.UpdateSubscriptionWithResponse(context.Background(), id, nil, raw.SubscriptionUpdate{ExpirationDateTime: exp}, as(token))
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

// A subscription's life through the API: created after the handshakes,
// read, listed, renewed (after the handshakes again), deleted.
func TestSubscriptionLifecycle(t *testing.T) {
	e := newEnv(t, permissive())
	r := notifytest.New(t)
	app := application(t, tenantA, invitations.PermReadAll)
	body := subscription(r)
	res := e.subscribe(app, body)
	if res.StatusCode() != http.StatusCreated {
		t.Fatalf("create = %d; want 201\n%s", res.StatusCode(), res.Body)
	}
	got := *res.JSON201
	want := raw.Subscription{ID: got.ID, Resource: raw.SubscriptionResource(invitations.SubscriptionResource),
		ChangeType: body.ChangeType, NotificationURL: body.NotificationURL, LifecycleNotificationURL: body.LifecycleNotificationURL,
		ExpirationDateTime: body.ExpirationDateTime, ClientState: body.ClientState, ApplicationID: ptr(appID), CreatorID: appID}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("201 body (-want +got):\n%s", diff)
	}
	if loc := res.HTTPResponse.Header.Get("Location"); loc != "/v1.0/subscriptions/"+got.ID {
		t.Errorf("Location = %q; want /v1.0/subscriptions/%s", loc, got.ID)
	}
	if n := r.Handshakes(); n != 2 {
		t.Errorf("%d handshakes; want 2 (the notification and the lifecycle URL)", n)
	}

	g := e.getSubscription(app, got.ID)
	if g.StatusCode() != http.StatusOK || !cmp.Equal(*g.JSON200, want) {
		t.Errorf("get = %d\n%s; want 200 and the subscription", g.StatusCode(), g.Body)
	}
	head, err := e.client.HeadSubscriptionWithResponse(context.Background(), got.ID, nil, as(app))
	if err != nil {
		t.Fatal(err)
	}
	checkHead(t, g.HTTPResponse, head.HTTPResponse, head.Body, http.StatusOK)
	heads, err := e.client.HeadSubscriptionsWithResponse(context.Background(), nil, as(app))
	if err != nil || heads.StatusCode() != http.StatusOK || len(heads.Body) != 0 {
		t.Errorf("HEAD of the list = %v, %d, %q; want 200 without a body", err, heads.StatusCode(), heads.Body)
	}
	list, err := e.client.ListSubscriptionsWithResponse(context.Background(), nil, as(app))
	if err != nil || list.StatusCode() != http.StatusOK || len(list.JSON200.Value) != 1 || list.JSON200.Value[0].ID != got.ID {
		t.Errorf("list = %v\n%s; want the one subscription", err, list.Body)
	}
	// Another application's list is its own, and the subscription is not
	// found for it.
	c := claims(tenantA, "another-application")
	c.Roles = []string{invitations.PermReadAll}
	other := mint(t, c)
	if list, err := e.client.ListSubscriptionsWithResponse(context.Background(), nil, as(other)); err != nil || len(list.JSON200.Value) != 0 {
		t.Errorf("another application's list = %v\n%s; want empty", err, list.Body)
	}
	if g := e.getSubscription(other, got.ID); g.StatusCode() != http.StatusNotFound {
		t.Errorf("get by another application = %d; want 404", g.StatusCode())
	}

	exp := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Millisecond)
	renewed := e.renew(app, got.ID, exp)
	if renewed.StatusCode() != http.StatusOK || !renewed.JSON200.ExpirationDateTime.Equal(exp) {
		t.Errorf("renew = %d\n%s; want 200 with the new expiration", renewed.StatusCode(), renewed.Body)
	}
	if n := r.Handshakes(); n != 4 {
		t.Errorf("%d handshakes after the renewal; want 4", n)
	}
	if late := e.renew(app, got.ID, time.Now().Add(73*time.Hour)); late.StatusCode() != http.StatusBadRequest ||
		errorOf(t, late.Body).Target == nil || *errorOf(t, late.Body).Target != "expirationDateTime" {
		t.Errorf("renew beyond 3 days = %d\n%s; want 400 naming expirationDateTime", late.StatusCode(), late.Body)
	}

	del, err := e.client.DeleteSubscriptionWithResponse(context.Background(), got.ID, nil, as(app))
	if err != nil || del.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete = %v, %v; want 204", del.StatusCode(), err)
	}
	if g := e.getSubscription(app, got.ID); g.StatusCode() != http.StatusNotFound {
		t.Errorf("get after delete = %d; want 404", g.StatusCode())
	}
}

// A failed handshake is a 400 naming the URL, and stores nothing.
func TestSubscriptionHandshakeFails(t *testing.T) {
	e := newEnv(t, permissive())
	app := application(t, tenantA, invitations.PermReadAll)
	for _, tt := range []struct {
		name string
		h    notifytest.Handshake
	}{
		{"wrong token", notifytest.HandshakeWrongToken},
		{"wrong content type", notifytest.HandshakeWrongType},
		{"not 200", notifytest.HandshakeNotFound},
		{"too slow", notifytest.HandshakeSlow},
		{"a redirect", notifytest.HandshakeRedirect},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bad, good := notifytest.New(t), notifytest.New(t)
			bad.SetHandshake(tt.h, 3*time.Second)
			for _, target := range []string{"notificationUrl", "lifecycleNotificationUrl"} {
				body := subscription(good)
				if target == "notificationUrl" {
					body.NotificationURL = bad.NotifyURL()
				} else {
					body.LifecycleNotificationURL = ptr(bad.LifecycleURL())
				}
				res := e.subscribe(app, body)
				if res.StatusCode() != http.StatusBadRequest {
					t.Fatalf("create with a %s that fails the handshake (%s) = %d; want 400\n%s", target, tt.name, res.StatusCode(), res.Body)
				}
				if got := errorOf(t, res.Body); got.Code != "badRequest" || got.Target == nil || *got.Target != target ||
					!strings.HasPrefix(got.Message, target+": ") {
					t.Errorf("error = %+v; want badRequest naming %s", got, target)
				}
			}
		})
	}
	list, err := e.client.ListSubscriptionsWithResponse(context.Background(), nil, as(app))
	if err != nil || len(list.JSON200.Value) != 0 {
		t.Errorf("subscriptions after failed handshakes: %v\n%s; want none", err, list.Body)
	}
}

// A renewal shakes hands again: a URL that now fails the handshake is a 400
// naming it, and the subscription keeps its expiration.
func TestSubscriptionRenewalHandshakeFails(t *testing.T) {
	e := newEnv(t, permissive())
	r := notifytest.New(t)
	app := application(t, tenantA, invitations.PermReadAll)
	body := subscription(r)
	body.LifecycleNotificationURL = nil
	created := e.subscribe(app, body)
	if created.StatusCode() != http.StatusCreated {
		t.Fatalf("create = %d; want 201\n%s", created.StatusCode(), created.Body)
	}
	id := created.JSON201.ID
	r.SetHandshake(notifytest.HandshakeNotFound, 0)
	res := e.renew(app, id, time.Now().Add(48*time.Hour))
	if res.StatusCode() != http.StatusBadRequest {
		t.Fatalf("renew with a URL that fails the handshake = %d; want 400\n%s", res.StatusCode(), res.Body)
	}
	if got := errorOf(t, res.Body); got.Code != "badRequest" || got.Target == nil || *got.Target != "notificationUrl" {
		t.Errorf("error = %+v; want badRequest naming notificationUrl", got)
	}
	if g := e.getSubscription(app, id); g.StatusCode() != http.StatusOK || !g.JSON200.ExpirationDateTime.Equal(body.ExpirationDateTime) {
		t.Errorf("get after the refused renewal = %d\n%s; want 200, expiring at %v still", g.StatusCode(), g.Body, body.ExpirationDateTime)
	}
}

// What a creator gives is checked, each a 400 naming the property.
func TestSubscriptionValidation(t *testing.T) {
	e := newEnv(t, permissive())
	strict := newEnv(t, withHandshaker(notify.NewClient(notify.ClientOptions{Timeout: time.Second})))
	r := notifytest.New(t)
	app := application(t, tenantA, invitations.PermReadAll)
	for _, tt := range []struct {
		name, target string
		edit         func(b *raw.SubscriptionCreate)
		env          *env
	}{
		{"an unknown change type", "changeType", func(b *raw.SubscriptionCreate) { b.ChangeType = "created,moved" }, e},
		{"a change type twice", "changeType", func(b *raw.SubscriptionCreate) { b.ChangeType = "created,created" }, e},
		{"an expiration in the past", "expirationDateTime", func(b *raw.SubscriptionCreate) { b.ExpirationDateTime = time.Now().Add(-time.Minute) }, e},
		{"an expiration beyond 3 days", "expirationDateTime", func(b *raw.SubscriptionCreate) {
			b.ExpirationDateTime = time.Now().Add(invitations.MaxSubscriptionLifetime + time.Minute)
		}, e},
		{"a clientState of 129 characters", "clientState", func(b *raw.SubscriptionCreate) { b.ClientState = ptr(strings.Repeat("é", 129)) }, e},
		{"another resource", "resource", func(b *raw.SubscriptionCreate) { b.Resource = "me/messages" }, e},
		{"no notificationUrl", "notificationUrl", func(b *raw.SubscriptionCreate) { b.NotificationURL = "" }, e},
		{"a notificationUrl that is no URL", "notificationUrl", func(b *raw.SubscriptionCreate) { b.NotificationURL = "webhooks" }, e},
		{"http, not allowed", "notificationUrl", func(*raw.SubscriptionCreate) {}, strict},
		{"a private address, not allowed", "notificationUrl", func(b *raw.SubscriptionCreate) {
			b.NotificationURL = strings.Replace(b.NotificationURL, "http://", "https://", 1)
		}, strict},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := subscription(r)
			body.LifecycleNotificationURL = nil
			tt.edit(&body)
			res := tt.env.subscribe(app, body)
			if res.StatusCode() != http.StatusBadRequest {
				t.Fatalf("create = %d; want 400\n%s", res.StatusCode(), res.Body)
			}
			if got := errorOf(t, res.Body); got.Target == nil || *got.Target != tt.target {
				t.Errorf("error = %+v; want one naming %s", got, tt.target)
			}
		})
	}
}

// Subscribing needs the permission to read invitations, as reading them
// does; a creator that comes to renew without it has lost it, and the
// service removes the subscription, telling its lifecycle URL.
func TestSubscriptionPermissions(t *testing.T) {
	e := newEnv(t, permissive())
	r := notifytest.New(t)
	for _, tt := range []struct {
		name   string
		token  string
		status int
	}{
		{"no token", "", 401},
		{"an unrelated scope", delegated(t, tenantA, alice, "User.Read"), 403},
		{"an application without a role", application(t, tenantA, "User.Read.All"), 403},
		{"Invitations.Read", delegated(t, tenantA, alice, invitations.PermRead), 201},
		{"Invitations.ReadWrite", delegated(t, tenantA, bob, invitations.PermReadWrite), 201},
		{"Invitations.Read.All", application(t, tenantA, invitations.PermReadAll), 201},
	} {
		if res := e.subscribe(tt.token, subscription(r)); res.StatusCode() != tt.status {
			t.Errorf("create as %s = %d; want %d\n%s", tt.name, res.StatusCode(), tt.status, res.Body)
		}
	}

	reader := delegated(t, tenantA, alice, invitations.PermRead)
	created := e.subscribe(reader, subscription(r))
	if created.StatusCode() != http.StatusCreated {
		t.Fatalf("create = %d\n%s", created.StatusCode(), created.Body)
	}
	id := created.JSON201.ID
	lost := delegated(t, tenantA, alice, "User.Read")
	if g := e.getSubscription(lost, id); g.StatusCode() != http.StatusForbidden {
		t.Errorf("get without the permission = %d; want 403", g.StatusCode())
	}
	if g := e.getSubscription(reader, id); g.StatusCode() != http.StatusOK {
		t.Fatalf("get = %d; want 200 (a get without the permission changes nothing)", g.StatusCode())
	}
	if res := e.renew(lost, id, time.Now().Add(time.Hour)); res.StatusCode() != http.StatusForbidden {
		t.Errorf("renew without the permission = %d; want 403\n%s", res.StatusCode(), res.Body)
	}
	if g := e.getSubscription(reader, id); g.StatusCode() != http.StatusNotFound {
		t.Errorf("get after a renewal without the permission = %d; want 404 (removed)", g.StatusCode())
	}
	ds, err := e.store.ClaimDeliveries(context.Background(), "test", time.Now().Add(time.Minute), 100, 10)
	if err != nil {
		t.Fatal(err)
	}
	var events []invitations.LifecycleEvent
	for _, d := range ds {
		if d.Subscription.ID == id && d.Removed {
			for _, n := range d.Notifications {
				events = append(events, n.Lifecycle)
			}
		}
	}
	if want := []invitations.LifecycleEvent{invitations.LifecycleRemoved}; !cmp.Equal(events, want) {
		t.Errorf("queued for the removed subscription: %v; want %v", events, want)
	}
}

// A server without a Handshaker cannot check a subscriber: 503.
func TestSubscriptionWithoutHandshaker(t *testing.T) {
	e := newEnv(t)
	res := e.subscribe(application(t, tenantA, invitations.PermReadAll), subscription(notifytest.New(t)))
	if res.StatusCode() != http.StatusServiceUnavailable {
		t.Errorf("create = %d; want 503\n%s", res.StatusCode(), res.Body)
	}
}

// applicationId is the client application of a delegated token (azp), and
// absent when it names none.
func TestSubscriptionApplicationID(t *testing.T) {
	e := newEnv(t, permissive())
	r := notifytest.New(t)
	c := claims(tenantA, alice)
	c.Scope = invitations.PermRead
	plain := mint(t, c)
	c.AuthorizedParty = "24d3b144-21ae-4080-943f-7067b395b913"
	withApp := mint(t, c)
	for _, tt := range []struct {
		token string
		want  *string
	}{{plain, nil}, {withApp, ptr(c.AuthorizedParty)}} {
		res := e.subscribe(tt.token, subscription(r))
		if res.StatusCode() != http.StatusCreated {
			t.Fatalf("create = %d\n%s", res.StatusCode(), res.Body)
		}
		if got := res.JSON201; !cmp.Equal(got.ApplicationID, tt.want) || got.CreatorID != alice {
			t.Errorf("applicationId %v, creatorId %s; want %v, %s", got.ApplicationID, got.CreatorID, tt.want, alice)
		}
	}
}

// A caller may have MaxSubscriptions live subscriptions; one more is a 403,
// and another caller is not held back by it.
func TestSubscriptionQuota(t *testing.T) {
	e := newEnv(t, permissive())
	r := notifytest.New(t)
	app := application(t, tenantA, invitations.PermReadAll)
	ctx := context.Background()
	caller := invitations.Caller{Tenant: tenantA, Subject: appID, Roles: []string{invitations.PermReadAll}}
	for range invitations.MaxSubscriptions {
		now := time.Now()
		sub := caller.NewSubscription(invitations.Subscription{ChangeTypes: invitations.ChangeCreated, NotificationURL: r.NotifyURL(),
			Expiration: now.Add(time.Hour)}, now)
		if _, err := e.store.CreateSubscription(ctx, sub); err != nil {
			t.Fatal(err)
		}
	}
	if res := e.subscribe(app, subscription(r)); res.StatusCode() != http.StatusForbidden {
		t.Errorf("create beyond the quota = %d; want 403\n%s", res.StatusCode(), res.Body)
	}
	if res := e.subscribe(delegated(t, tenantA, alice, invitations.PermRead), subscription(r)); res.StatusCode() != http.StatusCreated {
		t.Errorf("another caller's create = %d; want 201\n%s", res.StatusCode(), res.Body)
	}
}
