package client

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"strings"

	"github.com/graph-linkedin/invitations/client/raw"
)

// ListOptions are the OData query options of a listing. The zero value lists
// every invitation the caller may see, newest first, 100 to a page.
type ListOptions struct {
	// Filter is $filter: eq/ne on inviter, invitee, trackingId and state,
	// and eq/ne/gt/ge/lt/le on created, lastModified and closed (epoch
	// milliseconds), joined by and, as in "invitee eq 'urn:li:person:B0bY7z'".
	// PendingFor makes the one of an invitee's pending invitations.
	Filter string
	// OrderBy is $orderby: created or lastModified, then asc or desc.
	OrderBy string
	// Select is $select: the properties to return (id always is).
	Select []string
	// Top is $top, the page size (1 to 999); 0 leaves it to the service.
	Top int
	// Skip is $skip, how many matches to skip before the first page.
	Skip int
	// Count asks for the number of all matches in every page (Page.Count).
	Count bool
}

// Page is one page of a listing.
type Page struct {
	Invitations []Invitation
	// NextLink is the URL of the next page (@odata.nextLink), for NextPage;
	// "" on the last page.
	NextLink string
	// Count is the number of all matches (@odata.count), when
	// ListOptions.Count asked for it.
	Count *int64
}

// pageJSON is a page as the API writes it.
type pageJSON struct {
	Count    *int64       `json:"@odata.count,omitempty"`
	NextLink string       `json:"@odata.nextLink,omitempty"`
	Value    []Invitation `json:"value"`
}

// MarshalJSON writes the page as the API does: value, @odata.count and
// @odata.nextLink.
func (p Page) MarshalJSON() ([]byte, error) {
	value := p.Invitations
	if value == nil {
		value = []Invitation{}
	}
	return json.Marshal(pageJSON{p.Count, p.NextLink, value})
}

// UnmarshalJSON reads what MarshalJSON writes, or the API's JSON.
func (p *Page) UnmarshalJSON(b []byte) error {
	var w pageJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*p = Page{Invitations: w.Value, NextLink: w.NextLink, Count: w.Count}
	return nil
}

// ListInvitations returns every invitation that matches, following
// @odata.nextLink as the loop asks for more. It stops at the first error,
// which it yields.
//
//	for inv, err := range c.ListInvitations(ctx, client.ListOptions{Filter: f}) {
//		if err != nil {
//			return err
//		}
//		...
//	}
func (c *Client) ListInvitations(ctx context.Context, opts ListOptions, ropts ...RequestOption) iter.Seq2[Invitation, error] {
	return func(yield func(Invitation, error) bool) {
		for page, err := range c.Pages(ctx, opts, ropts...) {
			if err != nil {
				yield(Invitation{}, err)
				return
			}
			for _, inv := range page.Invitations {
				if !yield(inv, nil) {
					return
				}
			}
		}
	}
}

// Pages returns the pages of a listing, fetching each as the loop asks for
// it. It stops at the first error, which it yields.
func (c *Client) Pages(ctx context.Context, opts ListOptions, ropts ...RequestOption) iter.Seq2[*Page, error] {
	return func(yield func(*Page, error) bool) {
		page, err := c.ListPage(ctx, opts, ropts...)
		for {
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(page, nil) || page.NextLink == "" {
				return
			}
			page, err = c.NextPage(ctx, page.NextLink, ropts...)
		}
	}
}

// ListPage gets the first page of a listing.
func (c *Client) ListPage(ctx context.Context, opts ListOptions, ropts ...RequestOption) (*Page, error) {
	o := gather(ropts)
	params := &raw.ListInvitationsParams{ClientRequestID: o.requestID}
	if opts.Filter != "" {
		params.Filter = &opts.Filter
	}
	if opts.OrderBy != "" {
		params.Orderby = &opts.OrderBy
	}
	if len(opts.Select) > 0 {
		sel := strings.Join(opts.Select, ",")
		params.Select = &sel
	}
	if opts.Top != 0 {
		params.Top = &opts.Top
	}
	if opts.Skip != 0 {
		params.Skip = &opts.Skip
	}
	if opts.Count {
		params.Count = &opts.Count
	}
	res, err := c.gen.ListInvitations(operation(ctx, "listInvitations"), params)
	if err != nil {
		return nil, err
	}
	return c.pageFrom(res)
}

// NextPage gets the page at nextLink, a Page's NextLink. The link must point
// to the Client's own service: the Client's token goes with it.
func (c *Client) NextPage(ctx context.Context, nextLink string, ropts ...RequestOption) (*Page, error) {
	u, err := c.base.Parse(nextLink)
	if err != nil {
		return nil, fmt.Errorf("client: next link: %w", err)
	}
	if u.Scheme != c.base.Scheme || u.Host != c.base.Host || !strings.HasPrefix(u.Path, c.base.Path) {
		return nil, fmt.Errorf("client: next link %q is not under %s", nextLink, c.base.Redacted())
	}
	req, err := http.NewRequestWithContext(operation(ctx, "listInvitations"), http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	if o := gather(ropts); o.requestID != nil {
		req.Header.Set("client-request-id", *o.requestID)
	}
	res, err := c.do(req)
	if err != nil {
		return nil, err
	}
	return c.pageFrom(res)
}

// pageFrom reads a collection answer and closes it.
func (c *Client) pageFrom(res *http.Response) (*Page, error) {
	w, err := read[raw.InvitationV2Collection](c, res, http.StatusOK, "page")
	if err != nil {
		return nil, err
	}
	p := &Page{Invitations: make([]Invitation, len(w.Value)), NextLink: deref(w.OdataNextLink), Count: w.OdataCount}
	for i, v := range w.Value {
		p.Invitations[i] = invitationFromWire(v)
	}
	return p, nil
}
