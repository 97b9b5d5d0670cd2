package webhook_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations/client"
	"github.com/graph-linkedin/invitations/client/webhook"
	"github.com/graph-linkedin/invitations/spectest"
)

// What the service POSTs, as openapi.yaml's examples have it (the test
// checks them against the schemas): two changes, and a lifecycle event.
const (
	changes = `{"value": [
	{"id": "0b3b2e54-8f6d-4c2a-9e41-5d7c6a1f2e90", "subscriptionId": "7f105c7d-2dc5-4530-97cd-4e7ae6534c07",
	 "subscriptionExpirationDateTime": "2026-11-28T18:23:45.935Z", "changeType": "created",
	 "resource": "linkedIn/invitations/3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60",
	 "resourceData": {"@odata.type": "#microsoft.graph.InvitationV2", "@odata.id": "linkedIn/invitations/3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60",
	                  "id": "3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60"},
	 "clientState": "secretClientState", "tenantId": "6f1c2d3e-0a1b-4c5d-8e9f-a0b1c2d3e4f5"},
	{"id": "9d1c7a35-0e2b-4f6a-8c3d-1b5e7f9a2c46", "subscriptionId": "7f105c7d-2dc5-4530-97cd-4e7ae6534c07",
	 "subscriptionExpirationDateTime": "2026-11-28T18:23:45.935Z", "changeType": "deleted",
	 "resource": "linkedIn/invitations/3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60",
	 "resourceData": {"@odata.type": "#microsoft.graph.InvitationV2", "@odata.id": "linkedIn/invitations/3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60",
	                  "id": "3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60"},
	 "clientState": "secretClientState", "tenantId": "6f1c2d3e-0a1b-4c5d-8e9f-a0b1c2d3e4f5"}]}`
	lifecycle = `{"value": [{"id": "5a0f2c7e-3b9d-4e18-a6c4-8d1e7f2b9c03", "subscriptionId": "7f105c7d-2dc5-4530-97cd-4e7ae6534c07",
	 "subscriptionExpirationDateTime": "2026-11-28T18:23:45.935Z", "lifecycleEvent": "subscriptionRemoved",
	 "clientState": "secretClientState", "tenantId": "6f1c2d3e-0a1b-4c5d-8e9f-a0b1c2d3e4f5"}]}`
)

func TestExamplesAreTheContracts(t *testing.T) {
	doc := spectest.Load(t)
	for schema, body := range map[string]string{"ChangeNotificationCollection": changes, "LifecycleNotificationCollection": lifecycle} {
		if err := spectest.CheckSchema(doc, schema, []byte(body)); err != nil {
			t.Errorf("the test's %s: %v", schema, err)
		}
	}
}

// calls records what a Handler's functions were given.
type calls struct {
	mu        sync.Mutex
	changes   []webhook.Change
	lifecycle []webhook.Lifecycle
	fail      map[string]bool // the ids whose call fails
}

func (c *calls) handler(h *webhook.Handler) *webhook.Handler {
	h.OnChange = func(_ context.Context, n webhook.Change) error {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.changes = append(c.changes, n)
		if c.fail[n.ID] {
			return errors.New("cannot")
		}
		return nil
	}
	h.OnLifecycle = func(_ context.Context, n webhook.Lifecycle) error {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.lifecycle = append(c.lifecycle, n)
		return nil
	}
	return h
}

// post sends a request to h, served on a real listener, and returns the
// answer's status, Content-Type and body.
func post(t *testing.T, h http.Handler, method, path, contentType, body string) (int, string, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header.Get("Content-Type"), string(b)
}

// The handshake: the token, URL-decoded, as plain text.
func TestHandshake(t *testing.T) {
	var c calls
	status, ct, body := post(t, c.handler(&webhook.Handler{ClientState: "s"}), http.MethodPost,
		"/notify?validationToken=a%2Bb%2Fc%3D%3D", "text/plain; charset=utf-8", "")
	if status != http.StatusOK || !strings.HasPrefix(ct, "text/plain") || body != "a+b/c==" {
		t.Errorf("handshake = %d, %q, %q; want 200, text/plain, %q", status, ct, body, "a+b/c==")
	}
	if len(c.changes)+len(c.lifecycle) != 0 {
		t.Errorf("the handshake called the functions: %+v %+v", c.changes, c.lifecycle)
	}
}

// Change and lifecycle notifications reach their functions, typed, in
// order; a kind without a function is acknowledged unread.
func TestNotifications(t *testing.T) {
	var c calls
	h := c.handler(&webhook.Handler{ClientState: "secretClientState"})
	if status, _, body := post(t, h, http.MethodPost, "/", "application/json", changes); status != http.StatusAccepted {
		t.Fatalf("POST of changes = %d %q; want 202", status, body)
	}
	if status, _, body := post(t, h, http.MethodPost, "/", "application/json; charset=utf-8", lifecycle); status != http.StatusAccepted {
		t.Fatalf("POST of a lifecycle event = %d %q; want 202", status, body)
	}
	exp := time.Date(2026, 11, 28, 18, 23, 45, 935e6, time.UTC)
	const inv = "3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60"
	change := func(id string, ct client.ChangeType) webhook.Change {
		return webhook.Change{ID: id, SubscriptionID: "7f105c7d-2dc5-4530-97cd-4e7ae6534c07", SubscriptionExpiration: exp,
			ChangeType: ct, InvitationID: inv, Resource: "linkedIn/invitations/" + inv, ClientState: "secretClientState",
			TenantID: "6f1c2d3e-0a1b-4c5d-8e9f-a0b1c2d3e4f5"}
	}
	want := []webhook.Change{change("0b3b2e54-8f6d-4c2a-9e41-5d7c6a1f2e90", client.ChangeCreated),
		change("9d1c7a35-0e2b-4f6a-8c3d-1b5e7f9a2c46", client.ChangeDeleted)}
	if diff := cmp.Diff(want, c.changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	wantLife := []webhook.Lifecycle{{ID: "5a0f2c7e-3b9d-4e18-a6c4-8d1e7f2b9c03", SubscriptionID: "7f105c7d-2dc5-4530-97cd-4e7ae6534c07",
		SubscriptionExpiration: exp, Event: webhook.SubscriptionRemoved, ClientState: "secretClientState",
		TenantID: "6f1c2d3e-0a1b-4c5d-8e9f-a0b1c2d3e4f5"}}
	if diff := cmp.Diff(wantLife, c.lifecycle); diff != "" {
		t.Errorf("lifecycle (-want +got):\n%s", diff)
	}

	// Without OnLifecycle, lifecycle notifications are acknowledged.
	changesOnly := &webhook.Handler{ClientState: "secretClientState", OnChange: h.OnChange}
	if status, _, _ := post(t, changesOnly, http.MethodPost, "/", "application/json", lifecycle); status != http.StatusAccepted {
		t.Errorf("POST of a lifecycle event without OnLifecycle = %d; want 202", status)
	}
	if len(c.lifecycle) != 1 {
		t.Errorf("%d lifecycle calls; want still 1", len(c.lifecycle))
	}
}

// What is refused reaches no function.
func TestRefused(t *testing.T) {
	tooMany := `{"value": [` + strings.Repeat(`{"id": "x", "changeType": "created"},`, 40) + `{"id": "y", "changeType": "created"}]}`
	tests := []struct {
		name             string
		method, ct, body string
		clientState      string
		status, maxBytes int
	}{
		{"GET", http.MethodGet, "", "", "secretClientState", http.StatusMethodNotAllowed, 0},
		{"not JSON", http.MethodPost, "text/plain", changes, "secretClientState", http.StatusUnsupportedMediaType, 0},
		{"too large", http.MethodPost, "application/json", tooMany, "", http.StatusRequestEntityTooLarge, 1000},
		{"malformed", http.MethodPost, "application/json", `{"value": [`, "", http.StatusBadRequest, 0},
		{"empty", http.MethodPost, "application/json", `{"value": []}`, "", http.StatusBadRequest, 0},
		{"neither kind", http.MethodPost, "application/json", `{"value": [{"id": "x"}]}`, "", http.StatusBadRequest, 0},
		{"both kinds", http.MethodPost, "application/json", `{"value": [{"id": "x", "changeType": "created", "lifecycleEvent": "missed"}]}`,
			"", http.StatusBadRequest, 0},
		{"no id", http.MethodPost, "application/json", `{"value": [{"changeType": "created"}]}`, "", http.StatusBadRequest, 0},
		{"another clientState", http.MethodPost, "application/json", changes, "s3cret", http.StatusForbidden, 0},
		{"a clientState where none is expected", http.MethodPost, "application/json", lifecycle, "", http.StatusForbidden, 0},
		{"one notification without the clientState", http.MethodPost, "application/json",
			strings.Replace(changes, `"clientState": "secretClientState", `, "", 1), "secretClientState", http.StatusForbidden, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c calls
			h := c.handler(&webhook.Handler{ClientState: tt.clientState, MaxBodyBytes: int64(tt.maxBytes)})
			if status, _, body := post(t, h, tt.method, "/", tt.ct, tt.body); status != tt.status {
				t.Errorf("answer %d %q; want %d", status, body, tt.status)
			}
			if n := len(c.changes) + len(c.lifecycle); n != 0 {
				t.Errorf("%d calls; want none", n)
			}
		})
	}
}

// A function's failure is a 500, and stops the POST there: the service
// sends it again. With a Dedupe, what succeeded before is not handled
// again.
func TestFailureAndDedupe(t *testing.T) {
	const first, second = "0b3b2e54-8f6d-4c2a-9e41-5d7c6a1f2e90", "9d1c7a35-0e2b-4f6a-8c3d-1b5e7f9a2c46"
	for _, dedupe := range []bool{false, true} {
		c := calls{fail: map[string]bool{second: true}}
		h := c.handler(&webhook.Handler{ClientState: "secretClientState"})
		if dedupe {
			h.Dedupe = webhook.NewDedupe(10)
		}
		if status, _, _ := post(t, h, http.MethodPost, "/", "application/json", changes); status != http.StatusInternalServerError {
			t.Errorf("dedupe %v: a failed call answers %d; want 500", dedupe, status)
		}
		c.fail = nil
		for range 2 { // the retry, and a repeat after it was acknowledged
			if status, _, _ := post(t, h, http.MethodPost, "/", "application/json", changes); status != http.StatusAccepted {
				t.Errorf("dedupe %v: the retry answers %d; want 202", dedupe, status)
			}
		}
		var got []string
		for _, n := range c.changes {
			got = append(got, n.ID)
		}
		want := []string{first, second, first, second, first, second}
		if dedupe {
			want = []string{first, second, second} // the second failed, once
		}
		if !cmp.Equal(got, want) {
			t.Errorf("dedupe %v: calls for %v; want %v", dedupe, got, want)
		}
	}
}

// Dedupe remembers the most recent ids, up to its size.
func TestDedupe(t *testing.T) {
	d := webhook.NewDedupe(2)
	for _, id := range []string{"a", "b", "b", "c"} {
		d.Add(id)
	}
	for id, want := range map[string]bool{"a": false, "b": true, "c": true, "d": false} {
		if got := d.Seen(id); got != want {
			t.Errorf("Seen(%q) = %v; want %v", id, got, want)
		}
	}
}

// The Logger is told why a POST was refused, and of a function's failure;
// never of the clientState.
func TestLogger(t *testing.T) {
	var buf bytes.Buffer
	c := calls{fail: map[string]bool{"0b3b2e54-8f6d-4c2a-9e41-5d7c6a1f2e90": true}}
	h := c.handler(&webhook.Handler{ClientState: "another-secret", Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	post(t, h, http.MethodPost, "/", "application/json", changes)
	h.ClientState = "secretClientState"
	post(t, h, http.MethodPost, "/", "application/json", changes)
	got := buf.String()
	for _, want := range []string{"request refused", "status=403", "its clientState is not the subscription's",
		"a notification failed", "notification=0b3b2e54-8f6d-4c2a-9e41-5d7c6a1f2e90", "error=cannot"} {
		if !strings.Contains(got, want) {
			t.Errorf("the log lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "ecret") {
		t.Errorf("the log shows a clientState:\n%s", got)
	}
}
