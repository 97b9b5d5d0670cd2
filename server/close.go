package server

import (
	"context"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/gen"
)

// CloseInvitations is POST /linkedIn/invitations/inviteeClosingInvitation,
// Graph's inviteeClosingInvitation action: the invitee accepts or ignores
// invitations. A caller without a write permission is refused the whole
// request; otherwise each invitation gets its own entry, succeeded or
// failed, in the order named. With an Idempotency-Key, the entries are
// recorded under it with the closes (see closeIdempotent).
func (h *handler) CloseInvitations(ctx context.Context, req gen.CloseInvitationsRequestObject) (gen.CloseInvitationsResponseObject, error) {
	caller := info(ctx).caller
	if err := caller.AuthorizeWrite(); err != nil {
		return nil, err
	}
	r := invitations.CloseRequest{Caller: caller, Action: invitations.Action(req.Body.Action), IDs: req.Body.InvitationIDs}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if key := req.Params.IdempotencyKey; key != nil {
		return h.closeIdempotent(ctx, *key, req.Body, r)
	}
	results, err := h.store.CloseInvitations(ctx, r)
	if err != nil {
		return nil, err
	}
	return gen.CloseInvitations200JSONResponse{Body: closeResultsToWire(results)}, nil
}

// closeResultsToWire is the action's answer: each entry's failure in
// Graph's vocabulary of codes, the one the error handler uses.
func closeResultsToWire(results []invitations.CloseResult) gen.InviteActionResults {
	out := gen.InviteActionResults{Value: make([]gen.InviteActionResult, len(results))}
	for i, res := range results {
		w := gen.InviteActionResult{InvitationID: res.ID, Status: gen.Succeeded}
		if res.Err != nil {
			p := classify(res.Err)
			w.Status = gen.Failed
			w.Error = &gen.InviteActionError{Code: p.code, Message: p.message}
		}
		out.Value[i] = w
	}
	return out
}
