package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations"
)

func testGet(t *testing.T, s invitations.Store) {
	ctx := context.Background()
	created := mustCreate(t, s, invitations.Invitation{Tenant: "tenant-1", Inviter: "urn:li:person:alice",
		Invitee: "urn:li:person:bob", Message: &invitations.Message{Body: "hi"}, TrackingID: "t-1"})
	got, err := s.Invitation(ctx, "tenant-1", created.ID)
	if err != nil {
		t.Fatalf("Invitation: %v", err)
	}
	if diff := gocmp.Diff(created, got); diff != "" {
		t.Errorf("Invitation (-created +got):\n%s", diff)
	}
	for _, tt := range []struct{ tenant, id string }{
		{"tenant-2", created.ID}, // another tenant's
		{"tenant-1", "3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60"},
	} {
		if _, err := s.Invitation(ctx, tt.tenant, tt.id); !errors.Is(err, invitations.ErrNotFound) {
			t.Errorf("Invitation(%s, %s) = %v; want ErrNotFound", tt.tenant, tt.id, err)
		}
	}
}

// dataset creates a tenant's invitations (several in one millisecond with
// Run's stepping clock, so ties occur) and the same pairs in a second
// tenant, and returns both tenants' as stored.
func dataset(t *testing.T, s invitations.Store) []invitations.Invitation {
	t.Helper()
	people := []string{"urn:li:person:alice", "urn:li:person:bob", "urn:li:person:carol", "urn:li:person:dan"}
	var all []invitations.Invitation
	for i := range 24 {
		inv := invitations.Invitation{
			Tenant:  "tenant-1",
			Inviter: people[i%len(people)],
			Invitee: fmt.Sprintf("urn:li:email:guest%d@example.com", i),
		}
		if i%3 == 0 {
			inv.TrackingID = fmt.Sprintf("batch-%d", i%2)
		}
		if i%5 == 0 { // some between members, each pair once
			inv.Invitee = people[(i%4+1+i/20)%4]
		}
		all = append(all, mustCreate(t, s, inv))
		all = append(all, mustCreate(t, s, invitations.Invitation{Tenant: "tenant-2", Inviter: inv.Inviter, Invitee: inv.Invitee}))
	}
	// Touch some of each tenant's, so lastModified orders differently from created.
	for i := 0; i < len(all); i += 6 {
		inv := all[i]
		inv.TrackingID = "touched"
		updated, err := s.UpdateInvitation(context.Background(), inv, inv.Version)
		if err != nil {
			t.Fatalf("UpdateInvitation: %v", err)
		}
		all[i] = updated
	}
	// Close some, accepted and ignored, so state and closed vary.
	for i := range all {
		action := invitations.ActionAccept
		switch {
		case i%5 == 1:
		case i%7 == 3:
			action = invitations.ActionIgnore
		default:
			continue
		}
		all[i] = mustClose(t, s, application(all[i].Tenant), action, all[i].ID)[0]
	}
	return all
}

// expect is the reference result of a query over a known dataset: the
// domain's meaning of a query, which the store's SQL must agree with.
func expect(all []invitations.Invitation, q invitations.Query) []invitations.Invitation {
	var out []invitations.Invitation
	for _, inv := range all {
		if q.Matches(inv) {
			out = append(out, inv)
		}
	}
	slices.SortFunc(out, q.Order.Compare)
	return out
}

func ids(invs []invitations.Invitation) []string {
	out := make([]string, len(invs))
	for i, inv := range invs {
		out[i] = inv.ID
	}
	return out
}

func testList(t *testing.T, s invitations.Store) {
	all := dataset(t, s)
	mid := all[len(all)/2]
	var closedMid invitations.Invitation // a closed one in the middle
	for _, inv := range all[len(all)/2:] {
		if inv.State != invitations.StatePending && inv.Tenant == "tenant-1" {
			closedMid = inv
			break
		}
	}
	if closedMid.ID == "" {
		t.Fatal("the dataset has no closed invitation in its second half")
	}
	cond := func(f invitations.Field, op invitations.Op, v any) invitations.Condition {
		c := invitations.Condition{Field: f, Op: op}
		switch v := v.(type) {
		case string:
			c.String = v
		case time.Time:
			c.Millis = v.UnixMilli()
		case nil:
			c.Null = true
		}
		return c
	}
	asc := invitations.Order{Field: invitations.FieldCreated}
	byModified := invitations.Order{Field: invitations.FieldLastModified, Desc: true}
	tests := []struct {
		name string
		q    invitations.Query
	}{
		{"everything, newest first", invitations.Query{Order: invitations.DefaultOrder}},
		{"oldest first", invitations.Query{Order: asc}},
		{"by lastModified", invitations.Query{Order: byModified}},
		{"by lastModified ascending", invitations.Query{Order: invitations.Order{Field: invitations.FieldLastModified}}},
		{"a party's", invitations.Query{Party: "urn:li:person:bob", Order: invitations.DefaultOrder}},
		{"inviter eq", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldInviter, invitations.OpEq, "urn:li:person:carol")}, Order: asc}},
		{"inviter ne", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldInviter, invitations.OpNe, "urn:li:person:carol")}, Order: asc}},
		{"invitee eq", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldInvitee, invitations.OpEq, "urn:li:email:guest7@example.com")}, Order: asc}},
		{"invitee ne", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldInvitee, invitations.OpNe, "urn:li:email:guest7@example.com")}, Order: asc}},
		{"trackingId eq", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldTrackingID, invitations.OpEq, "batch-1")}, Order: asc}},
		{"trackingId ne includes absent", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldTrackingID, invitations.OpNe, "batch-1")}, Order: asc}},
		{"trackingId eq null", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldTrackingID, invitations.OpEq, nil)}, Order: asc}},
		{"trackingId ne null", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldTrackingID, invitations.OpNe, nil)}, Order: asc}},
		{"created gt", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldCreated, invitations.OpGt, mid.Created)}, Order: asc}},
		{"created ge", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldCreated, invitations.OpGe, mid.Created)}, Order: asc}},
		{"created lt", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldCreated, invitations.OpLt, mid.Created)}, Order: asc}},
		{"created le", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldCreated, invitations.OpLe, mid.Created)}, Order: asc}},
		{"created eq", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldCreated, invitations.OpEq, mid.Created)}, Order: asc}},
		{"created ne", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldCreated, invitations.OpNe, mid.Created)}, Order: asc}},
		{"lastModified gt", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldLastModified, invitations.OpGt, mid.LastModified)}, Order: byModified}},
		{"lastModified ge", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldLastModified, invitations.OpGe, mid.LastModified)}, Order: byModified}},
		{"lastModified lt", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldLastModified, invitations.OpLt, mid.LastModified)}, Order: byModified}},
		{"lastModified le", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldLastModified, invitations.OpLe, mid.LastModified)}, Order: byModified}},
		{"lastModified eq", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldLastModified, invitations.OpEq, mid.LastModified)}, Order: byModified}},
		{"lastModified ne", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldLastModified, invitations.OpNe, mid.LastModified)}, Order: byModified}},
		{"state eq pending", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldState, invitations.OpEq, "pending")}, Order: asc}},
		{"state eq accepted", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldState, invitations.OpEq, "accepted")}, Order: byModified}},
		{"state ne ignored", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldState, invitations.OpNe, "ignored")}, Order: asc}},
		{"closed eq null", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldClosed, invitations.OpEq, nil)}, Order: asc}},
		{"closed ne null", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldClosed, invitations.OpNe, nil)}, Order: byModified}},
		{"closed ge", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldClosed, invitations.OpGe, closedMid.Closed)}, Order: asc}},
		{"closed gt", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldClosed, invitations.OpGt, closedMid.Closed)}, Order: asc}},
		{"closed lt", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldClosed, invitations.OpLt, closedMid.Closed)}, Order: asc}},
		{"closed le", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldClosed, invitations.OpLe, closedMid.Closed)}, Order: asc}},
		{"closed eq", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldClosed, invitations.OpEq, closedMid.Closed)}, Order: asc}},
		{"closed ne includes pending", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldClosed, invitations.OpNe, closedMid.Closed)}, Order: asc}},
		{"a party's pending, received", invitations.Query{Party: "urn:li:person:bob", Filter: []invitations.Condition{
			cond(invitations.FieldInvitee, invitations.OpEq, "urn:li:person:bob"),
			cond(invitations.FieldState, invitations.OpEq, "pending")}, Order: invitations.DefaultOrder}},
		{"and", invitations.Query{Filter: []invitations.Condition{
			cond(invitations.FieldInviter, invitations.OpEq, "urn:li:person:alice"),
			cond(invitations.FieldCreated, invitations.OpLe, mid.Created),
			cond(invitations.FieldTrackingID, invitations.OpNe, nil)}, Order: invitations.DefaultOrder}},
		{"a party's, filtered", invitations.Query{Party: "urn:li:person:alice",
			Filter: []invitations.Condition{cond(invitations.FieldTrackingID, invitations.OpEq, nil)}, Order: asc}},
		{"nothing matches", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldInviter, invitations.OpEq, "urn:li:person:nobody")}, Order: asc}},
		{"a string that only looks like a field", invitations.Query{Filter: []invitations.Condition{cond(invitations.FieldInviter, invitations.OpEq, "urn:li:person:alice' OR '1'='1")}, Order: asc}},
		// Tenants are separate: each sees its own, and never another's.
		{"another tenant's", invitations.Query{Tenant: "tenant-2", Order: invitations.DefaultOrder}},
		{"another tenant's, a party's", invitations.Query{Tenant: "tenant-2", Party: "urn:li:person:bob", Order: asc}},
		{"a tenant with none", invitations.Query{Tenant: "tenant-3", Order: invitations.DefaultOrder}},
		{"a tenant whose name is another's prefix", invitations.Query{Tenant: "tenant-", Order: invitations.DefaultOrder}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.q
			q.Limit, q.Count = 1000, true
			if q.Tenant == "" {
				q.Tenant = "tenant-1"
			}
			page, err := s.ListInvitations(context.Background(), q)
			if err != nil {
				t.Fatalf("ListInvitations: %v", err)
			}
			want := expect(all, q)
			if diff := gocmp.Diff(ids(want), ids(page.Invitations)); diff != "" {
				t.Errorf("ListInvitations ids (-want +got):\n%s", diff)
			}
			if page.Count != int64(len(want)) || page.Next != nil {
				t.Errorf("Count, Next = %d, %v; want %d, nil", page.Count, page.Next, len(want))
			}
			if len(want) > 0 && len(page.Invitations) > 0 {
				if diff := gocmp.Diff(want[0], page.Invitations[0]); diff != "" {
					t.Errorf("first invitation (-want +got):\n%s", diff)
				}
			}
			for _, inv := range page.Invitations {
				if inv.Tenant != q.Tenant {
					t.Errorf("ListInvitations(tenant %s) returned %s of tenant %s", q.Tenant, inv.ID, inv.Tenant)
				}
			}
		})
	}
}

// Following Next returns every match exactly once, in order, with Skip
// applied once and Count on every page; a page past the end is empty.
func testListPaging(t *testing.T, s invitations.Store) {
	all := dataset(t, s)
	for _, tt := range []struct {
		name string
		q    invitations.Query
	}{
		{"newest first", invitations.Query{Order: invitations.DefaultOrder, Limit: 5}},
		{"oldest first, skipping 3", invitations.Query{Order: invitations.Order{Field: invitations.FieldCreated}, Limit: 4, Skip: 3}},
		{"by lastModified, a party's", invitations.Query{Order: invitations.Order{Field: invitations.FieldLastModified, Desc: true}, Party: "urn:li:person:alice", Limit: 2}},
		{"filtered, page of one", invitations.Query{Order: invitations.DefaultOrder, Limit: 1, Filter: []invitations.Condition{
			{Field: invitations.FieldTrackingID, Op: invitations.OpEq, Null: true}}}},
		{"one page exactly", invitations.Query{Order: invitations.DefaultOrder, Limit: 24}},
		{"skipping all but one", invitations.Query{Order: invitations.DefaultOrder, Limit: 5, Skip: 23}},
		{"skipping past the end", invitations.Query{Order: invitations.DefaultOrder, Limit: 5, Skip: 30}},
		{"another tenant's, by lastModified ascending", invitations.Query{Tenant: "tenant-2",
			Order: invitations.Order{Field: invitations.FieldLastModified}, Limit: 7}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.q
			q.Count = true
			if q.Tenant == "" {
				q.Tenant = "tenant-1"
			}
			want := expect(all, q)
			wantCount := int64(len(want))
			want = want[min(q.Skip, len(want)):]
			var got []invitations.Invitation
			for pages := 0; ; pages++ {
				if pages > len(all) {
					t.Fatal("paging does not end")
				}
				page, err := s.ListInvitations(context.Background(), q)
				if err != nil {
					t.Fatalf("ListInvitations: %v", err)
				}
				if len(page.Invitations) > q.Limit {
					t.Fatalf("page of %d; want at most %d", len(page.Invitations), q.Limit)
				}
				if page.Count != wantCount {
					t.Errorf("Count = %d on page %d; want %d", page.Count, pages, wantCount)
				}
				got = append(got, page.Invitations...)
				if page.Next == nil {
					break
				}
				q.After, q.Skip = page.Next, 0
			}
			if diff := gocmp.Diff(ids(want), ids(got)); diff != "" {
				t.Errorf("all pages (-want +got):\n%s", diff)
			}
		})
	}

	// A cursor past the last row gives an empty last page.
	q := invitations.Query{Tenant: "tenant-1", Order: invitations.DefaultOrder, Limit: 5}
	oldest := expect(all, q)[len(expect(all, q))-1]
	q.After = &invitations.Cursor{Key: oldest.Created, ID: oldest.ID}
	page, err := s.ListInvitations(context.Background(), q)
	if err != nil || len(page.Invitations) != 0 || page.Next != nil {
		t.Errorf("ListInvitations(after the last) = %d invitations, next %v, %v; want none, nil, nil",
			len(page.Invitations), page.Next, err)
	}
}

// Keyset paging returns every invitation that existed when paging began
// exactly once, in order, even while others are created between pages.
func testListPagingWhileCreating(t *testing.T, s invitations.Store) {
	for _, order := range []invitations.Order{invitations.DefaultOrder, {Field: invitations.FieldCreated}} {
		t.Run(fmt.Sprintf("%s desc=%t", order.Field, order.Desc), func(t *testing.T) {
			tenant := fmt.Sprintf("tenant-desc-%t", order.Desc)
			var before []invitations.Invitation
			for i := range 10 {
				before = append(before, mustCreate(t, s, Invitation(tenant, "urn:li:person:alice",
					fmt.Sprintf("urn:li:person:before%d", i))))
			}
			q := invitations.Query{Tenant: tenant, Order: order, Limit: 3}
			want := expect(before, q)
			var got []invitations.Invitation
			for pages := 0; ; pages++ {
				if pages > 20 {
					t.Fatal("paging does not end")
				}
				page, err := s.ListInvitations(context.Background(), q)
				if err != nil {
					t.Fatalf("ListInvitations: %v", err)
				}
				got = append(got, page.Invitations...)
				if page.Next == nil {
					break
				}
				q.After = page.Next
				mustCreate(t, s, Invitation(tenant, "urn:li:person:bob", fmt.Sprintf("urn:li:person:during%d", pages)))
			}
			seen := map[string]bool{}
			var old []invitations.Invitation
			for _, inv := range got {
				if seen[inv.ID] {
					t.Errorf("%s listed twice", inv.ID)
				}
				seen[inv.ID] = true
				if inv.Inviter == "urn:li:person:alice" {
					old = append(old, inv)
				}
			}
			if diff := gocmp.Diff(ids(want), ids(old)); diff != "" {
				t.Errorf("the invitations there before paging (-want +got):\n%s", diff)
			}
		})
	}
}

func mustCreate(t *testing.T, s invitations.Store, inv invitations.Invitation) invitations.Invitation {
	t.Helper()
	created, err := s.CreateInvitation(context.Background(), inv)
	if err != nil {
		t.Fatalf("CreateInvitation(%s -> %s): %v", inv.Inviter, inv.Invitee, err)
	}
	return created
}
