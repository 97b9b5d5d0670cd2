package odata

import (
	"strings"

	"github.com/graph-linkedin/invitations"
)

// sortable names the properties $orderby accepts, as messages list them.
const sortable = "created, lastModified"

// ParseOrderBy parses $orderby: one time property, created or
// lastModified, optionally followed by asc or desc (asc when absent, as in
// OData). The store breaks ties by id in the same direction, so naming id is
// never needed and one item is all it takes. An empty $orderby is an
// error, like every other empty option: without $orderby the order is
// invitations.DefaultOrder.
func ParseOrderBy(s string) (invitations.Order, error) {
	if err := checkText("$orderby", s); err != nil {
		return invitations.Order{}, err
	}
	if i := strings.IndexByte(s, ','); i >= 0 {
		return invitations.Order{}, invalid("$orderby", "',' at position %d: sort by one property only (%s); ties are broken by id",
			position(s, i), sortable)
	}
	ws := words(s, 0)
	if len(ws) == 0 {
		return invitations.Order{}, invalid("$orderby", "empty; name one of %s", sortable)
	}
	var o invitations.Order
	switch f := invitations.Field(ws[0].text); f {
	case invitations.FieldCreated, invitations.FieldLastModified:
		o.Field = f
	case "id", "inviter", "invitee", "message", "trackingId", "state", "closed":
		return invitations.Order{}, invalid("$orderby", "property %s at position %d cannot be sorted on; sortable: %s",
			quote(ws[0].text), position(s, ws[0].off), sortable)
	default:
		return invitations.Order{}, invalid("$orderby", "unknown property %s at position %d%s; sortable: %s",
			quote(ws[0].text), position(s, ws[0].off), suggest(ws[0].text, sortable), sortable)
	}
	if len(ws) > 1 {
		switch ws[1].text {
		case "asc":
		case "desc":
			o.Desc = true
		default:
			return invitations.Order{}, invalid("$orderby", "unknown direction %s at position %d%s; use asc or desc",
				quote(ws[1].text), position(s, ws[1].off), suggest(ws[1].text, "asc, desc"))
		}
	}
	if len(ws) > 2 {
		return invitations.Order{}, invalid("$orderby", "unexpected %s at position %d after the direction",
			quote(ws[2].text), position(s, ws[2].off))
	}
	return o, nil
}
