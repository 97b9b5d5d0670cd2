// Package notifytest is the tests' subscriber: a real HTTP server that
// answers the validation handshake, records the change and lifecycle
// notifications POSTed to it (each body checked against openapi.yaml), and
// can be told to fail, to answer slowly or to get the handshake wrong.
package notifytest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/graph-linkedin/invitations/client/raw"
	"github.com/graph-linkedin/invitations/spectest"
)

// Handshake is how the receiver answers the validation handshake.
type Handshake int

// The ways to answer it: right, and each of the ways to get it wrong.
const (
	HandshakeOK         Handshake = iota // 200, text/plain, the token
	HandshakeWrongToken                  // 200, text/plain, another token
	HandshakeWrongType                   // 200, application/json, the token
	HandshakeNotFound                    // 404
	HandshakeSlow                        // the right answer, after Slow
	HandshakeRedirect                    // 307 to a receiver that would answer right
)

// Receiver is a subscriber's endpoint: notifications at NotifyURL,
// lifecycle notifications at LifecycleURL.
type Receiver struct {
	tb  testing.TB
	srv *httptest.Server
	doc *openapi3.T

	mu        sync.Mutex
	handshake Handshake
	slow      time.Duration
	status    int    // the answer to POSTs of notifications; 0 for 202
	retry     string // its Retry-After
	delay     time.Duration
	down      bool
	changes   []raw.ChangeNotification
	lifecycle []raw.LifecycleNotification
	posts     []int       // the size of each POST acknowledged, in order
	failed    int         // POSTs answered with a failure, or dropped
	attempts  []time.Time // when each POST of notifications arrived
	shakes    int         // handshakes answered
	changed   chan struct{}
	stop      chan struct{} // closed when the test ends: waits end
}

// New starts a receiver, stopped when the test ends.
func New(tb testing.TB) *Receiver {
	tb.Helper()
	r := &Receiver{tb: tb, doc: spectest.Load(tb), changed: make(chan struct{}), stop: make(chan struct{})}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	tb.Cleanup(func() {
		close(r.stop)
		r.srv.Close()
	})
	return r
}

// NotifyURL is where change notifications go.
func (r *Receiver) NotifyURL() string { return r.srv.URL + "/notify" }

// LifecycleURL is where lifecycle notifications go.
func (r *Receiver) LifecycleURL() string { return r.srv.URL + "/lifecycle" }

// Down makes the receiver drop every request without an answer, as a
// subscriber that is down (or crashes mid-request) does; Down(false)
// brings it back.
func (r *Receiver) Down(down bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.down = down
}

// SetHandshake makes the receiver answer handshakes as h; a slow one after d.
func (r *Receiver) SetHandshake(h Handshake, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.handshake, r.slow = h, d
}

// Fail makes the receiver answer POSTs of notifications with status and
// Retry-After retryAfter (none when ""); status 0 makes it acknowledge them
// again.
func (r *Receiver) Fail(status int, retryAfter string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status, r.retry = status, retryAfter
}

// Delay makes the receiver wait d before answering a POST of notifications.
func (r *Receiver) Delay(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.delay = d
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	down := r.down
	r.mu.Unlock()
	if down {
		r.mu.Lock()
		r.failed++
		r.attempts = append(r.attempts, time.Now())
		r.mu.Unlock()
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
		return
	}
	if req.Method != http.MethodPost || (req.URL.Path != "/notify" && req.URL.Path != "/lifecycle") {
		http.NotFound(w, req)
		return
	}
	if token := req.URL.Query().Get("validationToken"); token != "" {
		r.answerHandshake(w, req, token)
		return
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return
	}
	if mt, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type")); mt != "application/json" {
		r.tb.Errorf("notifications POSTed as %q; want application/json", req.Header.Get("Content-Type"))
	}
	r.mu.Lock()
	status, retry, delay := r.status, r.retry, r.delay
	r.attempts = append(r.attempts, time.Now())
	r.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-req.Context().Done():
			return
		case <-r.stop:
			return
		}
	}
	if status != 0 {
		r.mu.Lock()
		r.failed++
		r.mu.Unlock()
		if retry != "" {
			w.Header().Set("Retry-After", retry)
		}
		w.WriteHeader(status)
		return
	}
	r.record(req.URL.Path, body)
	w.WriteHeader(http.StatusAccepted)
}

// record keeps a POST's notifications, after checking them against
// openapi.yaml.
func (r *Receiver) record(path string, body []byte) {
	schema := "ChangeNotificationCollection"
	if path == "/lifecycle" {
		schema = "LifecycleNotificationCollection"
	}
	if err := spectest.CheckSchema(r.doc, schema, body); err != nil {
		r.tb.Errorf("POST %s: the body is not a %s: %v\n%s", path, schema, err, body)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if path == "/lifecycle" {
		var c raw.LifecycleNotificationCollection
		if err := json.Unmarshal(body, &c); err != nil {
			r.tb.Errorf("POST %s: %v", path, err)
		}
		r.lifecycle = append(r.lifecycle, c.Value...)
		r.posts = append(r.posts, len(c.Value))
	} else {
		var c raw.ChangeNotificationCollection
		if err := json.Unmarshal(body, &c); err != nil {
			r.tb.Errorf("POST %s: %v", path, err)
		}
		r.changes = append(r.changes, c.Value...)
		r.posts = append(r.posts, len(c.Value))
	}
	close(r.changed)
	r.changed = make(chan struct{})
}

func (r *Receiver) answerHandshake(w http.ResponseWriter, req *http.Request, token string) {
	r.mu.Lock()
	h, slow := r.handshake, r.slow
	r.shakes++
	r.mu.Unlock()
	switch h {
	case HandshakeWrongToken:
		token += "x"
	case HandshakeNotFound:
		http.NotFound(w, req)
		return
	case HandshakeSlow:
		select {
		case <-time.After(slow):
		case <-req.Context().Done():
			return
		case <-r.stop:
			return
		}
	case HandshakeRedirect:
		http.Redirect(w, req, req.URL.String(), http.StatusTemporaryRedirect)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if h == HandshakeWrongType {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, token)
}

// Changes are the change notifications acknowledged so far, in order.
func (r *Receiver) Changes() []raw.ChangeNotification {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.changes)
}

// Lifecycle are the lifecycle notifications acknowledged so far, in order.
func (r *Receiver) Lifecycle() []raw.LifecycleNotification {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.lifecycle)
}

// Posts are the sizes of the POSTs acknowledged so far, in order.
func (r *Receiver) Posts() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.posts)
}

// Failed is how many POSTs were answered with a failure.
func (r *Receiver) Failed() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

// Attempts are when each POST of notifications arrived, failed or not.
func (r *Receiver) Attempts() []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.attempts)
}

// Handshakes is how many validation requests were answered.
func (r *Receiver) Handshakes() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.shakes
}

// Wait waits until done says the receiver has what it waits for, or fails
// the test after timeout (generous: these are eventual checks).
func (r *Receiver) Wait(timeout time.Duration, what string, done func(r *Receiver) bool) {
	r.tb.Helper()
	deadline := time.After(timeout)
	for {
		r.mu.Lock()
		changed := r.changed
		r.mu.Unlock()
		if done(r) {
			return
		}
		select {
		case <-changed:
		case <-time.After(50 * time.Millisecond): // for what a POST does not signal (failures)
		case <-deadline:
			r.tb.Fatalf("the receiver did not get %s within %v: %d change and %d lifecycle notifications, POSTs %v, %d failed",
				what, timeout, len(r.Changes()), len(r.Lifecycle()), r.Posts(), r.Failed())
		}
	}
}
