package server

import (
	"context"
	"net/http"

	"github.com/graph-linkedin/invitations/gen"
)

// HEAD answers what GET would (RFC 9110 section 9.3.2): the same handler
// runs, with the same authentication and permissions, and its answer is
// written as GET's; net/http sends no body for a HEAD, so the status and
// header fields, Content-Length among them, are exactly GET's.

// HeadInvitations is HEAD /linkedIn/invitations.
func (h *handler) HeadInvitations(ctx context.Context, req gen.HeadInvitationsRequestObject) (gen.HeadInvitationsResponseObject, error) {
	res, err := h.ListInvitations(ctx, gen.ListInvitationsRequestObject{Params: gen.ListInvitationsParams(req.Params)})
	if err != nil {
		return nil, err
	}
	return headOfList{res}, nil
}

// HeadInvitation is HEAD /linkedIn/invitations/{id}.
func (h *handler) HeadInvitation(ctx context.Context, req gen.HeadInvitationRequestObject) (gen.HeadInvitationResponseObject, error) {
	res, err := h.GetInvitation(ctx, gen.GetInvitationRequestObject{ID: req.ID, Params: gen.GetInvitationParams(req.Params)})
	if err != nil {
		return nil, err
	}
	return headOfGet{res}, nil
}

type headOfList struct {
	gen.ListInvitationsResponseObject
}

func (r headOfList) VisitHeadInvitationsResponse(w http.ResponseWriter) error {
	return r.VisitListInvitationsResponse(w)
}

type headOfGet struct {
	gen.GetInvitationResponseObject
}

func (r headOfGet) VisitHeadInvitationResponse(w http.ResponseWriter) error {
	return r.VisitGetInvitationResponse(w)
}

// HeadSubscriptions is HEAD /subscriptions.
func (h *handler) HeadSubscriptions(ctx context.Context, req gen.HeadSubscriptionsRequestObject) (gen.HeadSubscriptionsResponseObject, error) {
	res, err := h.ListSubscriptions(ctx, gen.ListSubscriptionsRequestObject{Params: gen.ListSubscriptionsParams(req.Params)})
	if err != nil {
		return nil, err
	}
	return headOfSubscriptions{res}, nil
}

// HeadSubscription is HEAD /subscriptions/{id}.
func (h *handler) HeadSubscription(ctx context.Context, req gen.HeadSubscriptionRequestObject) (gen.HeadSubscriptionResponseObject, error) {
	res, err := h.GetSubscription(ctx, gen.GetSubscriptionRequestObject{ID: req.ID, Params: gen.GetSubscriptionParams(req.Params)})
	if err != nil {
		return nil, err
	}
	return headOfSubscription{res}, nil
}

type headOfSubscriptions struct {
	gen.ListSubscriptionsResponseObject
}

func (r headOfSubscriptions) VisitHeadSubscriptionsResponse(w http.ResponseWriter) error {
	return r.VisitListSubscriptionsResponse(w)
}

type headOfSubscription struct {
	gen.GetSubscriptionResponseObject
}

func (r headOfSubscription) VisitHeadSubscriptionResponse(w http.ResponseWriter) error {
	return r.VisitGetSubscriptionResponse(w)
}
