package server

import (
	"context"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/gen"
)

var _ gen.StrictServerInterface = (*handler)(nil)

// handler implements the API's operations: wire type to domain, the store,
// domain to wire.
type handler struct {
	store invitations.Store
	ready func(ctx context.Context) error // Options.Ready; nil when unset
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
	created, err := h.store.CreateInvitation(ctx, inv)
	if err != nil {
		return nil, err
	}
	location := invitationURL(created.ID)
	return gen.CreateInvitation201JSONResponse{
		Body:    invitationToWire(created),
		Headers: gen.CreateInvitation201ResponseHeaders{Location: &location},
	}, nil
}

func invitationURL(id string) string { return BasePath + "/linkedIn/invitations/" + id }
