package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"
)

// The crash test's subscription: an application subscribed to every change
// of the tenant, delivered to a receiver in this process. Every change the
// server acknowledged (a 201, an update's 200, a close's 200) must reach
// it at least once by the end, through the kills: the notification was
// recorded with the change, in its transaction.

// promise is what the subscription is owed for one invitation: its
// create, and one notification per acknowledged update or close.
type promise struct {
	created bool
	updates int
}

// receiver is the subscriber: it answers the validation handshake and
// records every change notification, by invitation, change type and
// notification id (a notification delivered twice counts once).
type receiver struct {
	srv *http.Server
	url string

	mu       sync.Mutex
	got      map[string]map[string]map[string]bool // invitation -> change type -> notification ids
	posts    int
	problems []string
}

func newReceiver() (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{url: "http://" + ln.Addr().String() + "/notify", got: map[string]map[string]map[string]bool{}}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go r.srv.Serve(ln)
	return r, nil
}

func (r *receiver) close() { r.srv.Close() }

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if token := req.URL.Query().Get("validationToken"); token != "" {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, token)
		return
	}
	var body struct {
		Value []struct {
			ID, SubscriptionID, ChangeType, TenantID, ClientState string
			ResourceData                                          struct{ ID string }
		}
	}
	if err := json.NewDecoder(io.LimitReader(req.Body, 1<<20)).Decode(&body); err != nil {
		r.problem("a POST of notifications that is not JSON: %v", err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.posts++
	for _, n := range body.Value {
		if n.TenantID != tenant || n.ClientState != "crashtest" || n.ID == "" {
			r.problems = append(r.problems, fmt.Sprintf("a notification of another tenant or clientState, or without an id: %+v", n))
		}
		byType := r.got[n.ResourceData.ID]
		if byType == nil {
			byType = map[string]map[string]bool{}
			r.got[n.ResourceData.ID] = byType
		}
		if byType[n.ChangeType] == nil {
			byType[n.ChangeType] = map[string]bool{}
		}
		byType[n.ChangeType][n.ID] = true
	}
	w.WriteHeader(http.StatusAccepted)
}

func (r *receiver) problem(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

// missing lists what of promised has not arrived.
func (r *receiver) missing(promised map[string]*promise) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for id, p := range promised {
		got := r.got[id]
		if p.created && len(got["created"]) == 0 {
			out = append(out, fmt.Sprintf("%s: its create", id))
		}
		if n := len(got["updated"]); n < p.updates {
			out = append(out, fmt.Sprintf("%s: %d of its %d acknowledged updates and closes", id, n, p.updates))
		}
	}
	sort.Strings(out)
	return out
}

// subscribe subscribes the tenant's reader application to every change,
// delivered to the receiver.
func (e *engine) subscribe(ctx context.Context, base string) error {
	body := fmt.Sprintf(`{"changeType": "created,updated,deleted", "notificationUrl": %q, "resource": "linkedIn/invitations",
		"expirationDateTime": %q, "clientState": "crashtest"}`, e.recv.url, time.Now().Add(48*time.Hour).UTC().Format(time.RFC3339))
	res, err := e.do(ctx, http.MethodPost, base+"/v1.0/subscriptions", e.reader, body, "")
	if err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	if res.status != http.StatusCreated {
		return fmt.Errorf("subscribe = %d; want 201\n%s", res.status, res.raw)
	}
	return nil
}

// awaitNotifications waits until every acknowledged change has reached the
// receiver, or the wait ends, and says what it found.
func (e *engine) awaitNotifications(ctx context.Context, wait time.Duration) error {
	promised := e.ledger.promises()
	start := time.Now()
	var missing []string
	for {
		if missing = e.recv.missing(promised); len(missing) == 0 || time.Since(start) > wait || ctx.Err() != nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	e.recv.mu.Lock()
	problems, posts, invs := e.recv.problems, e.recv.posts, len(e.recv.got)
	e.recv.mu.Unlock()
	changes := 0
	for _, p := range promised {
		changes += p.updates
		if p.created {
			changes++
		}
	}
	fmt.Fprintf(e.out, "%s notifications: %d acknowledged changes of %d invitations; %d POSTs received, about %d invitations; "+
		"waited %v after the last round\n", e.name, changes, len(promised), posts, invs, time.Since(start).Round(time.Millisecond))
	for i, m := range append(problems, missing...) {
		if i == 20 {
			fmt.Fprintf(e.out, "  ... and %d more\n", len(problems)+len(missing)-i)
			break
		}
		fmt.Fprintln(e.out, "  "+m)
	}
	switch {
	case len(problems) > 0:
		return fmt.Errorf("%d wrong notifications", len(problems))
	case len(missing) > 0:
		return fmt.Errorf("%d acknowledged changes not notified within %v", len(missing), wait)
	}
	return nil
}
