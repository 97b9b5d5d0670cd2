package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations/client"
)

// seed creates n invitations from alice and returns their ids, oldest first.
func seed(t *testing.T, c *client.Client, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range n {
		inv, err := c.CreateInvitation(context.Background(), client.NewInvitation{
			Inviter:    alice,
			Invitee:    fmt.Sprintf("urn:li:email:guest%03d@contoso.com", i),
			TrackingID: fmt.Sprintf("batch-%d", i%2),
		})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = inv.ID
	}
	return ids
}

// Listing follows @odata.nextLink across many pages, lazily, and returns
// every invitation once, in order.
func TestListInvitations(t *testing.T) {
	ctx := context.Background()
	url := newServer(t)
	writer, _ := newClient(t, url, app(t))
	ids := seed(t, writer, 250)
	c, rec := newClient(t, url, delegated(t, alice))

	var got []string
	var last client.Invitation
	for inv, err := range c.ListInvitations(ctx, client.ListOptions{Top: 7, OrderBy: "created asc"}) {
		if err != nil {
			t.Fatalf("ListInvitations: %v", err)
		}
		if inv.Created.Before(last.Created) || inv.Created.Equal(last.Created) && inv.ID <= last.ID {
			t.Errorf("%s (created %v) came after %s (created %v)", inv.ID, inv.Created, last.ID, last.Created)
		}
		got, last = append(got, inv.ID), inv
	}
	slices.Sort(got)
	slices.Sort(ids)
	if diff := cmp.Diff(ids, got); diff != "" {
		t.Errorf("ListInvitations returned %d invitations; want the %d created, once each (-want +got):\n%s", len(got), len(ids), diff)
	}
	if n := len(rec.requests()); n != 36 { // ceil(250/7)
		t.Errorf("%d requests for 250 invitations 7 to a page; want 36", n)
	}

	// Stopping early fetches no more pages than were read.
	before := len(rec.requests())
	n := 0
	for _, err := range c.ListInvitations(ctx, client.ListOptions{Top: 7}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 10 {
			break
		}
	}
	if got := len(rec.requests()) - before; got != 2 {
		t.Errorf("reading 10 invitations 7 to a page made %d requests; want 2", got)
	}
}

// Pages carries each page with its count and next link; a filter and a
// selection apply to every page.
func TestPages(t *testing.T) {
	ctx := context.Background()
	url := newServer(t)
	writer, _ := newClient(t, url, app(t))
	seed(t, writer, 25)
	// An editor sees every request, the next pages' too.
	c, rec := newClient(t, url, delegated(t, alice), client.WithRequestEditor(func(req *http.Request) error {
		req.Header.Set("X-Gateway", "edited")
		return nil
	}))

	opts := client.ListOptions{Filter: "trackingId eq 'batch-1'", Top: 5, Count: true, Select: []string{"invitee", "trackingId"}}
	var sizes []int
	for page, err := range c.Pages(ctx, opts) {
		if err != nil {
			t.Fatalf("Pages: %v", err)
		}
		sizes = append(sizes, len(page.Invitations))
		if page.Count == nil || *page.Count != 12 {
			t.Errorf("page %d: Count %v; want 12", len(sizes), page.Count)
		}
		if last := len(sizes) == 3; (page.NextLink == "") != last {
			t.Errorf("page %d: NextLink %q", len(sizes), page.NextLink)
		}
		for _, inv := range page.Invitations {
			if inv.TrackingID != "batch-1" || inv.Invitee == "" || inv.ID == "" || inv.Inviter != "" || !inv.Created.IsZero() {
				t.Errorf("page %d: %+v; want only id, invitee and trackingId, of batch-1", len(sizes), inv)
			}
		}
	}
	if fmt.Sprint(sizes) != "[5 5 2]" {
		t.Errorf("page sizes %v; want [5 5 2]", sizes)
	}
	for i, req := range rec.requests() {
		if got := req.Header.Get("X-Gateway"); got != "edited" {
			t.Errorf("request %d (%s): X-Gateway %q; want the editor's", i+1, req.URL, got)
		}
	}

	// The same, a page at a time.
	first, err := c.ListPage(ctx, opts)
	if err != nil {
		t.Fatalf("ListPage: %v", err)
	}
	second, err := c.NextPage(ctx, first.NextLink)
	if err != nil {
		t.Fatalf("NextPage: %v", err)
	}
	if len(second.Invitations) != 5 || second.Invitations[0].ID == first.Invitations[0].ID {
		t.Errorf("NextPage: %d invitations, first %s; want the 5 after the first page", len(second.Invitations), second.Invitations[0].ID)
	}

	// A page's JSON is the API's, and reads back.
	b, err := json.Marshal(first)
	if err != nil {
		t.Fatal(err)
	}
	var back client.Page
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, &back); diff != "" || !bytes.Contains(b, []byte(`"@odata.nextLink":`)) {
		t.Errorf("page JSON %s round trip (-want +got):\n%s", b, diff)
	}
}

// The token goes only to the client's own service.
func TestNextPageElsewhere(t *testing.T) {
	c, rec := newClient(t, "http://127.0.0.1:1/v1.0", "secret")
	for _, link := range []string{
		"http://evil.example.com/v1.0/linkedIn/invitations?$skiptoken=x",
		"https://127.0.0.1:1/v1.0/linkedIn/invitations?$skiptoken=x",
		"http://127.0.0.1:1/other/linkedIn/invitations",
	} {
		if _, err := c.NextPage(context.Background(), link); err == nil || !strings.Contains(err.Error(), "not under") {
			t.Errorf("NextPage(%s): %v; want a refusal", link, err)
		}
	}
	if n := len(rec.requests()); n != 0 {
		t.Errorf("%d requests sent; want none", n)
	}
}

// A listing that fails yields the error, once, and stops.
func TestListInvitationsError(t *testing.T) {
	c, _ := newClient(t, newServer(t), "")
	n := 0
	for _, err := range c.ListInvitations(context.Background(), client.ListOptions{}) {
		n++
		checkError(t, err, client.ErrUnauthorized, 401, "InvalidAuthenticationToken")
	}
	if n != 1 {
		t.Errorf("%d values; want 1, the error", n)
	}
}
