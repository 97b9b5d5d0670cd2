package server

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/gen"
	"github.com/graph-linkedin/invitations/odata"
)

// defaultTop is the page size without $top (openapi.yaml's default).
const defaultTop = 100

// ListInvitations is GET /linkedIn/invitations.
func (h *handler) ListInvitations(ctx context.Context, req gen.ListInvitationsRequestObject) (gen.ListInvitationsResponseObject, error) {
	ri := info(ctx)
	if err := ri.caller.AuthorizeRead(); err != nil {
		return nil, err
	}
	opts, q, err := parseListOptions(req.Params)
	if err != nil {
		return nil, err
	}
	q.Tenant, q.Party = ri.caller.Tenant, ri.caller.Party()
	page, err := h.store.ListInvitations(ctx, q)
	if err != nil {
		return nil, err
	}

	base := h.origin.base(ri.req)
	body := gen.InvitationV2Collection{
		OdataContext: base + "/$metadata#linkedIn/invitations",
		Value:        make([]gen.InvitationV2, len(page.Invitations)),
	}
	if opts.selected != nil {
		body.OdataContext += "(" + strings.Join(opts.selected, ",") + ")"
	}
	wire := make([]wireInvitation, len(page.Invitations))
	for i, inv := range page.Invitations {
		wire[i].set(inv)
		body.Value[i] = wire[i].InvitationV2
		if opts.selected != nil {
			body.Value[i] = selectProperties(body.Value[i], opts.selected)
		}
	}
	if q.Count {
		body.OdataCount = &page.Count
	}
	if page.Next != nil {
		body.OdataNextLink = ptr(base + "/linkedIn/invitations?" + opts.nextQuery(*page.Next))
	}
	return &listResponse{responder: h.respond, body: body}, nil
}

// listOptions are the query options as given, for the next page's link.
type listOptions struct {
	filter, orderby, sel *string
	top                  *int
	count                *bool
	selected             []string // parsed $select; nil without one
}

// parseListOptions turns the OData query options into a domain query.
func parseListOptions(p gen.ListInvitationsParams) (listOptions, invitations.Query, error) {
	opts := listOptions{filter: p.Filter, orderby: p.Orderby, sel: p.Select, top: p.Top, count: p.Count}
	q := invitations.Query{Limit: defaultTop, Order: invitations.DefaultOrder}
	var err error
	if p.Filter != nil {
		if q.Filter, err = odata.ParseFilter(*p.Filter); err != nil {
			return opts, q, err
		}
	}
	if p.Orderby != nil {
		if q.Order, err = odata.ParseOrderBy(*p.Orderby); err != nil {
			return opts, q, err
		}
	}
	if p.Select != nil {
		if opts.selected, err = odata.ParseSelect(*p.Select); err != nil {
			return opts, q, err
		}
	}
	if p.Top != nil {
		q.Limit = *p.Top
	}
	if p.Skip != nil {
		q.Skip = *p.Skip
	}
	q.Count = p.Count != nil && *p.Count
	if p.Skiptoken != nil {
		if p.Skip != nil {
			return opts, q, &invitations.Error{Kind: invitations.ErrInvalid, Target: "$skip",
				Message: "$skip: cannot be combined with $skiptoken; the skip token already holds the position"}
		}
		cursor, err := odata.DecodeSkipToken(*p.Skiptoken, opts.binding())
		if err != nil {
			return opts, q, err
		}
		q.After = &cursor
	}
	return opts, q, nil
}

// binding ties a skip token to the options that define the sequence it is
// a position in, so it cannot be replayed with another filter or order.
func (o listOptions) binding() string {
	return "$filter=" + deref(o.filter) + "&$orderby=" + deref(o.orderby)
}

// nextQuery is the query string of the next page: the same options (but
// $skip, already applied), and the position.
func (o listOptions) nextQuery(next invitations.Cursor) string {
	var b strings.Builder
	add := func(name, value string) {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(name + "=" + url.QueryEscape(value))
	}
	if o.filter != nil {
		add("$filter", *o.filter)
	}
	if o.orderby != nil {
		add("$orderby", *o.orderby)
	}
	if o.sel != nil {
		add("$select", *o.sel)
	}
	if o.top != nil {
		add("$top", strconv.Itoa(*o.top))
	}
	if o.count != nil {
		add("$count", strconv.FormatBool(*o.count))
	}
	add("$skiptoken", odata.EncodeSkipToken(next, o.binding()))
	return b.String()
}
