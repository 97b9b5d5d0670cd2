package invitations

import (
	"strings"
	"time"
)

// Field is a property of an invitation that queries can filter or sort on.
type Field string

// The fields queries can use, named as on the wire.
const (
	FieldInviter      Field = "inviter"
	FieldInvitee      Field = "invitee"
	FieldTrackingID   Field = "trackingId"
	FieldState        Field = "state"
	FieldCreated      Field = "created"
	FieldLastModified Field = "lastModified"
	FieldClosed       Field = "closed"
)

// IsTime reports whether f holds a time (compared as epoch milliseconds).
func (f Field) IsTime() bool { return f == FieldCreated || f == FieldLastModified || f == FieldClosed }

// Nullable reports whether f can be absent (null): trackingId, and closed
// while the invitation is pending.
func (f Field) Nullable() bool { return f == FieldTrackingID || f == FieldClosed }

// Op is a comparison operator of a filter condition.
type Op string

// The comparison operators, named as in OData's $filter.
const (
	OpEq Op = "eq"
	OpNe Op = "ne"
	OpGt Op = "gt"
	OpGe Op = "ge"
	OpLt Op = "lt"
	OpLe Op = "le"
)

// Condition is one term of a filter: Field Op Value. For a string field the
// value is a string; for a time field it is epoch milliseconds; Null
// compares a nullable field with null instead.
type Condition struct {
	Field  Field
	Op     Op
	String string
	Millis int64
	Null   bool // trackingId or closed, eq null / ne null
}

// Order is the sort order of a list: a time field, then id, both in the
// same direction.
type Order struct {
	Field Field // FieldCreated or FieldLastModified
	Desc  bool
}

// DefaultOrder is created desc, newest first.
var DefaultOrder = Order{Field: FieldCreated, Desc: true}

// Cursor is a position in a list, just after the invitation with this sort
// key and id: keyset paging, so a page's cost does not grow with its depth.
type Cursor struct {
	Key time.Time // the value of the Order's field
	ID  string
}

// Query selects a page of one tenant's invitations.
type Query struct {
	Tenant string
	// Party, when set, keeps the invitations where this person is the
	// inviter or the invitee (what a delegated caller may see).
	Party  string
	Filter []Condition // all must hold
	Order  Order
	After  *Cursor // start after this position; nil for the first page
	Skip   int     // rows to skip before the page (only with After nil)
	Limit  int     // page size, at least 1
	Count  bool    // also count every match, ignoring After, Skip and Limit
}

// Page is one page of a list.
type Page struct {
	Invitations []Invitation
	// Next is where the next page starts; nil on the last page.
	Next *Cursor
	// Count is the number of all matches, when the query asked for it.
	Count int64
}

// SortKey returns the value of inv's field o.Field.
func (o Order) SortKey(inv Invitation) time.Time {
	if o.Field == FieldLastModified {
		return inv.LastModified
	}
	return inv.Created
}

// Compare orders a before (-1) or after (+1) b in o: by the sort key, then
// by id, both in o's direction.
func (o Order) Compare(a, b Invitation) int {
	return o.compareAt(o.SortKey(a), a.ID, b)
}

// After reports whether inv comes after the cursor c in o.
func (o Order) After(c Cursor, inv Invitation) bool { return o.compareAt(c.Key, c.ID, inv) < 0 }

func (o Order) compareAt(key time.Time, id string, b Invitation) int {
	c := key.Compare(o.SortKey(b))
	if c == 0 {
		c = strings.Compare(id, b.ID)
	}
	if o.Desc {
		return -c
	}
	return c
}

// Matches reports whether q selects inv: its tenant, its party (if any) and
// every filter condition. It is the meaning of a query, which each store's
// SQL must agree with.
func (q Query) Matches(inv Invitation) bool {
	if inv.Tenant != q.Tenant || q.Party != "" && inv.Inviter != q.Party && inv.Invitee != q.Party {
		return false
	}
	for _, c := range q.Filter {
		if !c.Holds(inv) {
			return false
		}
	}
	return true
}

// Holds reports whether inv meets the condition. An absent trackingId or
// closed is null: equal to no value, unequal to every one, and neither
// greater nor less than any (SQL's NULL, as the stores compare).
func (c Condition) Holds(inv Invitation) bool {
	if c.Field.IsTime() {
		t := c.timeOf(inv)
		// Only closed can be absent: null while pending.
		if absent := t.IsZero(); c.Null || absent {
			return c.holdsForNull(absent)
		}
		v := t.UnixMilli()
		switch c.Op {
		case OpEq:
			return v == c.Millis
		case OpNe:
			return v != c.Millis
		case OpGt:
			return v > c.Millis
		case OpGe:
			return v >= c.Millis
		case OpLt:
			return v < c.Millis
		case OpLe:
			return v <= c.Millis
		}
		return false
	}
	v := c.stringOf(inv)
	// Only trackingId can be absent: it is null then.
	if absent := v == ""; c.Null || absent {
		return c.holdsForNull(absent)
	}
	switch c.Op {
	case OpEq:
		return v == c.String
	case OpNe:
		return v != c.String
	}
	return false
}

// holdsForNull decides a condition where null takes part: it compares with
// null, or the value is absent.
func (c Condition) holdsForNull(absent bool) bool {
	if c.Null {
		return absent == (c.Op == OpEq)
	}
	return c.Op == OpNe
}

// timeOf is inv's value of the time field c compares.
func (c Condition) timeOf(inv Invitation) time.Time {
	switch c.Field {
	case FieldCreated:
		return inv.Created
	case FieldLastModified:
		return inv.LastModified
	case FieldClosed:
		return inv.Closed
	}
	return time.Time{}
}

// stringOf is inv's value of the string field c compares.
func (c Condition) stringOf(inv Invitation) string {
	switch c.Field {
	case FieldInviter:
		return inv.Inviter
	case FieldInvitee:
		return inv.Invitee
	case FieldTrackingID:
		return inv.TrackingID
	case FieldState:
		return string(inv.State)
	}
	return ""
}
