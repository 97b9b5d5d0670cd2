package webhook

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"

	"github.com/graph-linkedin/invitations/client"
	"github.com/graph-linkedin/invitations/client/raw"
)

// DefaultMaxBodyBytes bounds a POST's body when Handler.MaxBodyBytes is 0:
// far more than the service's largest POST (50 notifications of under 1 KiB
// each).
const DefaultMaxBodyBytes = 1 << 20

// Handler receives a subscription's notifications; see the package's
// documentation. Set its fields before it serves, and leave them be; it is
// safe for concurrent use.
//
// It answers:
//   - a POST with ?validationToken=: 200, text/plain, the token (the
//     validation handshake, on create and on renewal);
//   - a POST of notifications: 202 once every function returned nil for
//     them; 500 at the first that failed (the service sends the POST
//     again later, with its notifications in the same order);
//   - 403 to a POST with a notification whose clientState is not
//     ClientState, and 400, 413, 415 to one that is not notifications as
//     openapi.yaml describes them: none of its notifications reaches a
//     function;
//   - 405 to any other method.
//
// Refusing a POST with a wrong clientState, rather than acknowledging it and
// dropping its notifications, is the choice that loses nothing: the service
// sends one subscription's notifications in a POST, all with its
// clientState, so a mismatch is a forgery (to which the answer does not
// matter) or a mistake of yours, such as a ClientState that is not the
// subscription's. A refused POST is sent again for the service's retry
// window (4 hours by default), time to fix the mistake; one acknowledged
// would be gone.
type Handler struct {
	// ClientState is the subscription's clientState; "" for a subscription
	// without one. Every notification must carry exactly it.
	ClientState string
	// OnChange is called with each change notification, in the order of
	// the changes; nil acknowledges them unread. Calls for one POST are
	// one after another; for different POSTs, they may be concurrent.
	OnChange func(ctx context.Context, n Change) error
	// OnLifecycle is called with each lifecycle notification, as OnChange
	// is; nil acknowledges them unread.
	OnLifecycle func(ctx context.Context, n Lifecycle) error
	// Dedupe, when set, remembers the notifications the functions handled,
	// and the Handler skips one that comes again.
	Dedupe *Dedupe
	// MaxBodyBytes bounds the body of a POST: a longer one is refused
	// (413); DefaultMaxBodyBytes when 0.
	MaxBodyBytes int64
	// Logger, when set, is told why a request was refused or a function
	// failed (never the clientState).
	Logger *slog.Logger
}

// notification is one decoded notification: a change or a lifecycle one.
type notification struct {
	id          string
	clientState string
	change      *Change
	lifecycle   *Lifecycle
}

// ServeHTTP answers the service's requests to a subscription's URL.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.refuse(w, r, http.StatusMethodNotAllowed, fmt.Errorf("method %s: the service POSTs", r.Method))
		return
	}
	if q := r.URL.Query(); q.Has("validationToken") {
		// The token goes back as it came, as text that no browser sniffs
		// into a page.
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, q.Get("validationToken"))
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		h.refuse(w, r, http.StatusUnsupportedMediaType, fmt.Errorf("content type %q: want application/json", r.Header.Get("Content-Type")))
		return
	}
	limit := h.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	ns, err := decode(http.MaxBytesReader(w, r.Body, limit))
	if tooLarge := (*http.MaxBytesError)(nil); errors.As(err, &tooLarge) {
		h.refuse(w, r, http.StatusRequestEntityTooLarge, err)
		return
	}
	if err != nil {
		h.refuse(w, r, http.StatusBadRequest, err)
		return
	}
	for _, n := range ns {
		if subtle.ConstantTimeCompare([]byte(n.clientState), []byte(h.ClientState)) != 1 {
			h.refuse(w, r, http.StatusForbidden, fmt.Errorf("notification %s: its clientState is not the subscription's", n.id))
			return
		}
	}
	for _, n := range ns {
		if h.Dedupe != nil && h.Dedupe.Seen(n.id) {
			continue
		}
		if err := h.handle(r.Context(), n); err != nil {
			if h.Logger != nil {
				h.Logger.ErrorContext(r.Context(), "webhook: a notification failed; the service will send it again",
					"notification", n.id, "error", err)
			}
			http.Error(w, "the notification could not be handled; send it again later", http.StatusInternalServerError)
			return
		}
		if h.Dedupe != nil {
			h.Dedupe.Add(n.id)
		}
	}
	w.WriteHeader(http.StatusAccepted)
}

// handle hands n to its function.
func (h *Handler) handle(ctx context.Context, n notification) error {
	switch {
	case n.change != nil && h.OnChange != nil:
		return h.OnChange(ctx, *n.change)
	case n.lifecycle != nil && h.OnLifecycle != nil:
		return h.OnLifecycle(ctx, *n.lifecycle)
	}
	return nil
}

// refuse answers a request that brings no notification to handle.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, status int, err error) {
	if h.Logger != nil {
		h.Logger.WarnContext(r.Context(), "webhook: request refused", "status", status, "error", err)
	}
	http.Error(w, err.Error(), status)
}

// decode reads a POST's notifications: openapi.yaml's
// ChangeNotificationCollection or LifecycleNotificationCollection, which
// differ in their notifications' changeType or lifecycleEvent. Properties
// it does not know are let be, so that a later version of the service may
// add some.
func decode(body io.Reader) ([]notification, error) {
	var collection struct {
		Value []json.RawMessage `json:"value"`
	}
	if err := json.NewDecoder(body).Decode(&collection); err != nil {
		return nil, fmt.Errorf("the body is not a collection of notifications: %w", err)
	}
	if len(collection.Value) == 0 {
		return nil, errors.New("the body holds no notification")
	}
	ns := make([]notification, len(collection.Value))
	for i, v := range collection.Value {
		var kind struct {
			ChangeType     string `json:"changeType"`
			LifecycleEvent string `json:"lifecycleEvent"`
		}
		if err := json.Unmarshal(v, &kind); err != nil {
			return nil, fmt.Errorf("notification %d: %w", i, err)
		}
		var err error
		switch {
		case kind.ChangeType != "" && kind.LifecycleEvent == "":
			ns[i], err = decodeChange(v)
		case kind.LifecycleEvent != "" && kind.ChangeType == "":
			ns[i], err = decodeLifecycle(v)
		default:
			err = errors.New("want one of changeType and lifecycleEvent")
		}
		if err == nil && ns[i].id == "" {
			err = errors.New("it has no id")
		}
		if err != nil {
			return nil, fmt.Errorf("notification %d: %w", i, err)
		}
	}
	return ns, nil
}

func decodeChange(b []byte) (notification, error) {
	var w raw.ChangeNotification
	if err := json.Unmarshal(b, &w); err != nil {
		return notification{}, err
	}
	c := &Change{
		ID:                     w.ID,
		SubscriptionID:         w.SubscriptionID,
		SubscriptionExpiration: w.SubscriptionExpirationDateTime.UTC(),
		ChangeType:             client.ChangeType(w.ChangeType),
		InvitationID:           w.ResourceData.ID,
		Resource:               w.Resource,
		ClientState:            deref(w.ClientState),
		TenantID:               w.TenantID,
	}
	return notification{id: c.ID, clientState: c.ClientState, change: c}, nil
}

func decodeLifecycle(b []byte) (notification, error) {
	var w raw.LifecycleNotification
	if err := json.Unmarshal(b, &w); err != nil {
		return notification{}, err
	}
	l := &Lifecycle{
		ID:                     w.ID,
		SubscriptionID:         w.SubscriptionID,
		SubscriptionExpiration: w.SubscriptionExpirationDateTime.UTC(),
		Event:                  LifecycleEvent(w.LifecycleEvent),
		ClientState:            deref(w.ClientState),
		TenantID:               w.TenantID,
	}
	return notification{id: l.ID, clientState: l.ClientState, lifecycle: l}, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
