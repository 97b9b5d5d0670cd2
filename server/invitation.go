package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/gen"
)

var _ gen.StrictServerInterface = (*handler)(nil)

// handler implements the API's operations: wire type to domain, the
// caller's permissions, the store, domain to wire.
type handler struct {
	store    invitations.Store
	ready    func(ctx context.Context) error // Options.Ready; nil when unset
	timeout  time.Duration                   // Options.RequestTimeout, for the readiness probe
	contract contract                        // openapi.yaml, served as the contract
	inflight inflightKeys                    // the Idempotency-Keys of the requests running now
	origin   *origin                         // the base of absolute links
	respond  *responder
	now      func() time.Time // Options.Now
	// handshaker checks subscribers' URLs; nil when unset.
	handshaker Handshaker
}

// CreateInvitation is POST /linkedIn/invitations.
func (h *handler) CreateInvitation(ctx context.Context, req gen.CreateInvitationRequestObject) (gen.CreateInvitationResponseObject, error) {
	inv := invitationFromWire(*req.Body)
	if err := info(ctx).caller.AuthorizeCreate(&inv); err != nil {
		return nil, err
	}
	if err := inv.Validate(); err != nil {
		return nil, err
	}
	if key := req.Params.IdempotencyKey; key != nil {
		return h.createIdempotent(ctx, *key, req.Body, inv)
	}
	created, err := h.store.CreateInvitation(ctx, inv)
	if err != nil {
		return nil, err
	}
	return h.respond.created(created), nil
}

// location is the URL path of a created invitation.
func location(inv invitations.Invitation) string {
	return BasePath + "/linkedIn/invitations/" + inv.ID
}

// GetInvitation is GET /linkedIn/invitations/{id}.
func (h *handler) GetInvitation(ctx context.Context, req gen.GetInvitationRequestObject) (gen.GetInvitationResponseObject, error) {
	caller := info(ctx).caller
	if err := caller.AuthorizeRead(); err != nil {
		return nil, err
	}
	inv, err := h.visible(ctx, caller, req.ID)
	if err != nil {
		return nil, err
	}
	return h.respond.invitation(http.StatusOK, inv), nil
}

// maxMergeAttempts bounds how often an update without a specific If-Match
// re-reads and re-merges after losing a race with another write.
const maxMergeAttempts = 5

// UpdateInvitation is PATCH /linkedIn/invitations/{id}: read, merge, and
// write only if nothing changed in between.
func (h *handler) UpdateInvitation(ctx context.Context, req gen.UpdateInvitationRequestObject) (gen.UpdateInvitationResponseObject, error) {
	caller := info(ctx).caller
	if err := caller.AuthorizeWrite(); err != nil {
		return nil, err
	}
	cond, err := parseIfMatch(req.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	patch := patchFromWire(*req.Body)
	for attempt := 1; ; attempt++ {
		inv, err := h.changeable(ctx, caller, req.ID, cond)
		if err != nil {
			return nil, err
		}
		if inv.State != invitations.StatePending {
			return nil, invitations.ClosedError(inv)
		}
		next, err := patch.Apply(inv)
		if err != nil {
			return nil, err
		}
		updated, err := h.store.UpdateInvitation(ctx, next, inv.Version)
		if errors.Is(err, invitations.ErrPreconditionFailed) && !cond.specific() && attempt < maxMergeAttempts {
			continue // someone else wrote first; merge into their version
		}
		if err != nil {
			return nil, err
		}
		return h.respond.invitation(http.StatusOK, updated), nil
	}
}

// DeleteInvitation is DELETE /linkedIn/invitations/{id}.
func (h *handler) DeleteInvitation(ctx context.Context, req gen.DeleteInvitationRequestObject) (gen.DeleteInvitationResponseObject, error) {
	caller := info(ctx).caller
	if err := caller.AuthorizeWrite(); err != nil {
		return nil, err
	}
	cond, err := parseIfMatch(req.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	inv, err := h.changeable(ctx, caller, req.ID, cond)
	if err != nil {
		return nil, err
	}
	var version int64 // any
	if cond.specific() {
		version = inv.Version
	}
	if err := h.store.DeleteInvitation(ctx, caller.Tenant, req.ID, version); err != nil {
		return nil, err
	}
	return gen.DeleteInvitation204Response{}, nil
}

// visible returns the invitation if the caller may see it; one it may not
// see is not found, exactly like one that does not exist.
func (h *handler) visible(ctx context.Context, caller invitations.Caller, id string) (invitations.Invitation, error) {
	inv, err := h.store.Invitation(ctx, caller.Tenant, id)
	if err != nil {
		return invitations.Invitation{}, err
	}
	if !caller.Sees(inv) {
		return invitations.Invitation{}, invitations.NotFoundError(id)
	}
	return inv, nil
}

// changeable returns the invitation if the caller may change it and it
// meets the If-Match condition.
func (h *handler) changeable(ctx context.Context, caller invitations.Caller, id string, cond ifMatch) (invitations.Invitation, error) {
	inv, err := h.visible(ctx, caller, id)
	if err != nil {
		return invitations.Invitation{}, err
	}
	if err := caller.AuthorizeChange(inv); err != nil {
		return invitations.Invitation{}, err
	}
	if !cond.matches(inv.Version) {
		return invitations.Invitation{}, invitations.Errorf(invitations.ErrPreconditionFailed,
			"If-Match does not match the invitation's ETag, which is %s", *etag(inv))
	}
	return inv, nil
}

// etag is an invitation's entity tag: its version, as a strong tag.
func etag(inv invitations.Invitation) *string {
	tag := `"` + strconv.FormatInt(inv.Version, 10) + `"`
	return &tag
}
