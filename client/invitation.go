package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/graph-linkedin/invitations/client/raw"
)

// Invitation is an invitation as the service returned it.
type Invitation struct {
	ID           string
	Created      time.Time // UTC, to the millisecond
	LastModified time.Time // UTC, to the millisecond
	Inviter      string    // urn:li:person:{id}
	Invitee      string    // a person, emailAddress, phoneAccount or email URN
	Message      *Message  // nil when the invitation has none
	TrackingID   string    // "" when it has none
	// State is where the invitation is in its life cycle: StatePending,
	// then StateAccepted or StateIgnored once its invitee closed it (see
	// CloseInvitations). "" only where a listing's Select left it out.
	State State
	// Closed is when the invitee closed it, UTC, to the millisecond; zero
	// while it is pending.
	Closed time.Time
	// ETag is the version the service answered with (get, create, update);
	// pass it to WithIfMatch. A listing does not carry it.
	ETag string
}

// Message is an invitation's message: a template, or a custom body.
type Message struct {
	TemplateID string // invitationTemplateID
	Body       string // invitationMessage.body, at most 300 characters
}

// NewInvitation is what CreateInvitation sends.
type NewInvitation struct {
	// Inviter may be left out by a delegated caller: it becomes the
	// signed-in user. An application must give it.
	Inviter    string
	Invitee    string
	Message    *Message
	TrackingID string
}

// MarshalJSON writes the invitation as the API does (epoch milliseconds,
// @odata.type), with its ETag as the OData annotation @odata.etag.
func (inv Invitation) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ETag string `json:"@odata.etag,omitempty"`
		raw.InvitationV2
	}{inv.ETag, inv.wire()})
}

// UnmarshalJSON reads what MarshalJSON writes, or the API's JSON.
func (inv *Invitation) UnmarshalJSON(b []byte) error {
	var w struct {
		ETag string `json:"@odata.etag"`
		raw.InvitationV2
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*inv = invitationFromWire(w.InvitationV2)
	inv.ETag = w.ETag
	return nil
}

// CreateInvitation creates an invitation. A second invitation from the same
// inviter to the same invitee fails with ErrConflict while the first is
// pending: until its invitee closes it (CloseInvitations) or it is deleted.
//
// Every call sends an Idempotency-Key, a new one unless
// WithIdempotencyKey gives it, the same on each attempt: so a create is
// retried like any other request (see RetryPolicy), and a retry of one the
// service carried out already gets its answer instead of a second
// invitation.
func (c *Client) CreateInvitation(ctx context.Context, inv NewInvitation, opts ...RequestOption) (*Invitation, error) {
	o := gather(opts)
	params := &raw.CreateInvitationParams{ClientRequestID: o.requestID, IdempotencyKey: o.key()}
	res, err := c.gen.CreateInvitation(operation(ctx, "createInvitation"), params, inv.wire())
	if err != nil {
		return nil, err
	}
	return c.invitationFrom(res, http.StatusCreated)
}

// GetInvitation gets one invitation. One the caller may not see fails with
// ErrNotFound, as one that does not exist.
func (c *Client) GetInvitation(ctx context.Context, id string, opts ...RequestOption) (*Invitation, error) {
	o := gather(opts)
	res, err := c.gen.GetInvitation(operation(ctx, "getInvitation"), id, &raw.GetInvitationParams{ClientRequestID: o.requestID})
	if err != nil {
		return nil, err
	}
	return c.invitationFrom(res, http.StatusOK)
}

// UpdateInvitation merges patch into an invitation and returns the result.
// With WithIfMatch it fails with ErrPreconditionFailed if the invitation
// changed since.
func (c *Client) UpdateInvitation(ctx context.Context, id string, patch Patch, opts ...RequestOption) (*Invitation, error) {
	o := gather(opts)
	params := &raw.UpdateInvitationParams{IfMatch: o.ifMatch, ClientRequestID: o.requestID}
	res, err := c.gen.UpdateInvitation(operation(ctx, "updateInvitation"), id, params, patch.wire())
	if err != nil {
		return nil, err
	}
	return c.invitationFrom(res, http.StatusOK)
}

// DeleteInvitation deletes an invitation; with WithIfMatch, only if it did
// not change since.
func (c *Client) DeleteInvitation(ctx context.Context, id string, opts ...RequestOption) error {
	o := gather(opts)
	res, err := c.gen.DeleteInvitation(operation(ctx, "deleteInvitation"), id, &raw.DeleteInvitationParams{IfMatch: o.ifMatch, ClientRequestID: o.requestID})
	if err != nil {
		return err
	}
	return c.noContent(res)
}

// invitationFrom reads an answer that carries an invitation and closes it.
func (c *Client) invitationFrom(res *http.Response, status int) (*Invitation, error) {
	w, err := read[raw.InvitationV2](c, res, status, "invitation")
	if err != nil {
		return nil, err
	}
	inv := invitationFromWire(w)
	inv.ETag = res.Header.Get("ETag")
	return &inv, nil
}

// read decodes an answer of the status wanted into a W (what, in an error)
// and closes it; another status is failure's error.
func read[W any](c *Client, res *http.Response, status int, what string) (W, error) {
	defer res.Body.Close()
	var w W
	if res.StatusCode != status {
		return w, c.failure(res)
	}
	if err := json.NewDecoder(res.Body).Decode(&w); err != nil {
		return w, fmt.Errorf("client: read the %s (request-id %s): %w", what, res.Header.Get("request-id"), err)
	}
	return w, nil
}

// noContent checks that an answer is a 204 and closes it.
func (c *Client) noContent(res *http.Response) error {
	defer res.Body.Close()
	if res.StatusCode != http.StatusNoContent {
		return c.failure(res)
	}
	return nil
}

// failure is the error for an answer of an unexpected status: an *Error for
// a 4xx or 5xx.
func (c *Client) failure(res *http.Response) error {
	if res.StatusCode >= 400 {
		return errorFrom(res, c.now())
	}
	return fmt.Errorf("client: %s %s: unexpected status %s (request-id %s)",
		res.Request.Method, res.Request.URL.Redacted(), res.Status, res.Header.Get("request-id"))
}
