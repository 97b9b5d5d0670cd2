package invitations_test

import (
	"testing"
	"time"

	"github.com/graph-linkedin/invitations"
)

func TestConditionHolds(t *testing.T) {
	inv := invitations.Invitation{Inviter: "urn:li:person:a", Invitee: "urn:li:person:b",
		Created: time.UnixMilli(100), LastModified: time.UnixMilli(200)}
	tracked := inv
	tracked.TrackingID = "t-1"
	inv.State = invitations.StatePending
	closed := inv
	closed.State, closed.Closed = invitations.StateAccepted, time.UnixMilli(300)
	str := func(f invitations.Field, op invitations.Op, v string) invitations.Condition {
		return invitations.Condition{Field: f, Op: op, String: v}
	}
	ms := func(f invitations.Field, op invitations.Op, v int64) invitations.Condition {
		return invitations.Condition{Field: f, Op: op, Millis: v}
	}
	null := func(op invitations.Op) invitations.Condition {
		return invitations.Condition{Field: invitations.FieldTrackingID, Op: op, Null: true}
	}
	nullClosed := func(op invitations.Op) invitations.Condition {
		return invitations.Condition{Field: invitations.FieldClosed, Op: op, Null: true}
	}
	tests := []struct {
		c    invitations.Condition
		inv  invitations.Invitation
		want bool
	}{
		{str(invitations.FieldInviter, invitations.OpEq, "urn:li:person:a"), inv, true},
		{str(invitations.FieldInviter, invitations.OpNe, "urn:li:person:a"), inv, false},
		{str(invitations.FieldInvitee, invitations.OpEq, "urn:li:person:a"), inv, false},
		{str(invitations.FieldTrackingID, invitations.OpEq, "t-1"), tracked, true},
		{str(invitations.FieldTrackingID, invitations.OpNe, "t-1"), inv, true}, // null is unequal to every string
		{str(invitations.FieldTrackingID, invitations.OpEq, ""), inv, false},   // and equal to none
		{null(invitations.OpEq), inv, true},
		{null(invitations.OpEq), tracked, false},
		{null(invitations.OpNe), tracked, true},
		{ms(invitations.FieldCreated, invitations.OpEq, 100), inv, true},
		{ms(invitations.FieldCreated, invitations.OpGt, 100), inv, false},
		{ms(invitations.FieldCreated, invitations.OpGe, 100), inv, true},
		{ms(invitations.FieldCreated, invitations.OpLt, 101), inv, true},
		{ms(invitations.FieldLastModified, invitations.OpLe, 199), inv, false},
		{ms(invitations.FieldLastModified, invitations.OpNe, 100), inv, true},
		{str(invitations.FieldState, invitations.OpEq, "pending"), inv, true},
		{str(invitations.FieldState, invitations.OpEq, "pending"), closed, false},
		{str(invitations.FieldState, invitations.OpNe, "pending"), closed, true},
		{ms(invitations.FieldClosed, invitations.OpGe, 300), closed, true},
		{ms(invitations.FieldClosed, invitations.OpGt, 300), closed, false},
		{ms(invitations.FieldClosed, invitations.OpGe, 0), inv, false}, // pending: closed is null, not comparable
		{ms(invitations.FieldClosed, invitations.OpLe, 300), inv, false},
		{ms(invitations.FieldClosed, invitations.OpEq, 300), inv, false},
		{ms(invitations.FieldClosed, invitations.OpNe, 300), inv, true}, // and unequal to every value
		{nullClosed(invitations.OpEq), inv, true},
		{nullClosed(invitations.OpEq), closed, false},
		{nullClosed(invitations.OpNe), closed, true},
	}
	for _, tt := range tests {
		if got := tt.c.Holds(tt.inv); got != tt.want {
			t.Errorf("%s %s %q/%d (null %v) on trackingId %q = %v; want %v", tt.c.Field, tt.c.Op, tt.c.String, tt.c.Millis, tt.c.Null, tt.inv.TrackingID, got, tt.want)
		}
	}
}

func TestOrderCompare(t *testing.T) {
	a := invitations.Invitation{ID: "a", Created: time.UnixMilli(1), LastModified: time.UnixMilli(9)}
	b := invitations.Invitation{ID: "b", Created: time.UnixMilli(1), LastModified: time.UnixMilli(5)}
	c := invitations.Invitation{ID: "c", Created: time.UnixMilli(2), LastModified: time.UnixMilli(5)}
	tests := []struct {
		o    invitations.Order
		x, y invitations.Invitation
		want int
	}{
		{invitations.Order{Field: invitations.FieldCreated}, a, b, -1}, // tie broken by id
		{invitations.Order{Field: invitations.FieldCreated}, c, a, 1},
		{invitations.Order{Field: invitations.FieldCreated, Desc: true}, a, b, 1},
		{invitations.Order{Field: invitations.FieldLastModified}, a, b, 1},
		{invitations.Order{Field: invitations.FieldLastModified}, b, c, -1},
		{invitations.Order{Field: invitations.FieldLastModified, Desc: true}, b, b, 0},
	}
	for _, tt := range tests {
		if got := tt.o.Compare(tt.x, tt.y); got != tt.want {
			t.Errorf("%+v.Compare(%s, %s) = %d; want %d", tt.o, tt.x.ID, tt.y.ID, got, tt.want)
		}
	}
	cur := invitations.Cursor{Key: time.UnixMilli(1), ID: "a"}
	if o := (invitations.Order{Field: invitations.FieldCreated}); !o.After(cur, b) || o.After(cur, a) {
		t.Errorf("After(cursor at a): b %v, a %v; want true, false", o.After(cur, b), o.After(cur, a))
	}
}
