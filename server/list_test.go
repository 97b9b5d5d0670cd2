package server_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/client/raw"
)

// follow GETs an @odata.nextLink (an absolute URL) as token.
func (e *env) follow(token, link string) raw.InvitationV2Collection {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, link, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := e.transport.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		e.t.Fatalf("GET %s: status %d", link, res.StatusCode)
	}
	var page raw.InvitationV2Collection
	if err := json.NewDecoder(res.Body).Decode(&page); err != nil {
		e.t.Fatal(err)
	}
	return page
}

// Following every nextLink of a filtered, ordered list returns each match
// exactly once, in order, while other invitations are being created.
func TestListInvitationsWalk(t *testing.T) {
	e := newEnv(t)
	inviters := []string{alice, bob, "urn:li:person:C4rol"}
	var before []raw.InvitationV2
	for i := range 300 {
		before = append(before, e.mustCreate(tenantA, inviters[i%3], fmt.Sprintf("urn:li:email:guest%d@example.com", i)))
	}
	e.mustCreate(tenantB, alice, "urn:li:email:guest0@example.com") // another tenant's: never listed

	// Alice's, oldest first: 100 of them, in pages of 7.
	app := application(t, tenantA, invitations.PermReadAll)
	filter := "inviter eq '" + alice + "' and created ge 0"
	var want []string
	for _, inv := range before {
		if *inv.Inviter == alice {
			want = append(want, *inv.ID)
		}
	}

	// Meanwhile, more of Alice's invitations arrive, and others'.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			e.mustCreate(tenantA, inviters[i%2], fmt.Sprintf("urn:li:email:late%d@example.com", i))
		}
	})

	res := e.list(app, raw.ListInvitationsParams{Filter: &filter, Orderby: ptr("created asc"), Top: ptr(7), Count: ptr(true)})
	if res.StatusCode() != http.StatusOK {
		t.Fatalf("status = %d; body %s", res.StatusCode(), res.Body)
	}
	page := *res.JSON200
	var got []raw.InvitationV2
	for pages := 1; ; pages++ {
		if len(page.Value) > 7 {
			t.Fatalf("page %d has %d invitations; want at most 7", pages, len(page.Value))
		}
		if page.OdataCount == nil || *page.OdataCount < int64(len(want)) {
			t.Errorf("page %d: @odata.count = %v; want at least %d", pages, page.OdataCount, len(want))
		}
		got = append(got, page.Value...)
		if page.OdataNextLink == nil {
			break
		}
		if pages > 100 {
			t.Fatal("the walk does not end")
		}
		page = e.follow(app, *page.OdataNextLink)
	}
	close(stop)
	wg.Wait()

	seen := map[string]bool{}
	for i, inv := range got {
		if seen[*inv.ID] {
			t.Errorf("invitation %s listed twice", *inv.ID)
		}
		seen[*inv.ID] = true
		if *inv.Inviter != alice {
			t.Errorf("invitation %s of %s listed; the filter wants %s", *inv.ID, *inv.Inviter, alice)
		}
		if i > 0 {
			prev := got[i-1]
			if *prev.Created > *inv.Created || *prev.Created == *inv.Created && *prev.ID > *inv.ID {
				t.Errorf("out of order at %d: (%d, %s) before (%d, %s)", i, *prev.Created, *prev.ID, *inv.Created, *inv.ID)
			}
		}
	}
	// Everything that existed before the walk is there, first, in order.
	if len(got) < len(want) {
		t.Fatalf("listed %d; want at least the %d that existed before the walk", len(got), len(want))
	}
	if diff := gocmp.Diff(want, idsOf(got[:len(want)])); diff != "" {
		t.Errorf("the invitations that existed before the walk (-want +got):\n%s", diff)
	}
}

func idsOf(invs []raw.InvitationV2) []string {
	out := make([]string, len(invs))
	for i, inv := range invs {
		out[i] = *inv.ID
	}
	return out
}

func TestListInvitationsOptions(t *testing.T) {
	e := newEnv(t)
	var all []raw.InvitationV2 // oldest first
	for i := range 12 {
		inviter := alice
		if i%3 == 0 {
			inviter = bob
		}
		all = append(all, e.mustCreate(tenantA, inviter, fmt.Sprintf("urn:li:email:g%d@example.com", i)))
	}
	carols := e.mustCreate(tenantA, "urn:li:person:C4rol", alice) // alice as the invitee
	// Several share a millisecond: the order is (created, id).
	slices.SortFunc(all, func(a, b raw.InvitationV2) int {
		return cmp.Or(cmp.Compare(*a.Created, *b.Created), strings.Compare(*a.ID, *b.ID))
	})
	newest := append(slices.Clone(all), carols)
	slices.SortFunc(newest, func(a, b raw.InvitationV2) int {
		return -cmp.Or(cmp.Compare(*a.Created, *b.Created), strings.Compare(*a.ID, *b.ID))
	})
	app := application(t, tenantA, invitations.PermReadAll)

	t.Run("default: newest first, all properties, context", func(t *testing.T) {
		res := e.list(app, raw.ListInvitationsParams{})
		page := *res.JSON200
		if len(page.Value) != 13 || page.OdataNextLink != nil || page.OdataCount != nil {
			t.Fatalf("got %d invitations, nextLink %v, count %v; want 13, none, none", len(page.Value), page.OdataNextLink, page.OdataCount)
		}
		if diff := gocmp.Diff(newest, page.Value); diff != "" {
			t.Errorf("newest first (-want +got):\n%s", diff)
		}
		if !strings.HasSuffix(page.OdataContext, "/v1.0/$metadata#linkedIn/invitations") || !strings.HasPrefix(page.OdataContext, "http://127.0.0.1:") {
			t.Errorf("@odata.context = %q", page.OdataContext)
		}
	})
	t.Run("$select", func(t *testing.T) {
		res := e.list(app, raw.ListInvitationsParams{Select: ptr("invitee, created"), Top: ptr(1), Orderby: ptr("created")})
		page := *res.JSON200
		want := raw.InvitationV2{OdataType: all[0].OdataType, ID: all[0].ID, Created: all[0].Created, Invitee: all[0].Invitee}
		if diff := gocmp.Diff(want, page.Value[0]); diff != "" {
			t.Errorf("selected (-want +got):\n%s", diff)
		}
		if !strings.HasSuffix(page.OdataContext, "#linkedIn/invitations(id,created,invitee)") {
			t.Errorf("@odata.context = %q; want the selection in it", page.OdataContext)
		}
		next := e.follow(app, *page.OdataNextLink)
		if next.Value[0].Inviter != nil || *next.Value[0].ID != *all[1].ID {
			t.Errorf("the next page lost $select or its place: %+v", next.Value[0])
		}
	})
	t.Run("$skip and $count", func(t *testing.T) {
		res := e.list(app, raw.ListInvitationsParams{Orderby: ptr("created asc"), Skip: ptr(10), Count: ptr(true), Filter: ptr("inviter eq '" + alice + "'")})
		page := *res.JSON200
		// Alice invited 8 (i%3 != 0); skipping 10 leaves none.
		if len(page.Value) != 0 || *page.OdataCount != 8 {
			t.Errorf("got %d, count %d; want 0, 8", len(page.Value), *page.OdataCount)
		}
		res = e.list(app, raw.ListInvitationsParams{Orderby: ptr("created asc"), Skip: ptr(2), Top: ptr(3)})
		if got := idsOf(res.JSON200.Value); !gocmp.Equal(got, idsOf(all[2:5])) {
			t.Errorf("$skip=2 $top=3: %v; want %v", got, idsOf(all[2:5]))
		}
		// The nextLink carries the position, not $skip again.
		next := e.follow(app, *res.JSON200.OdataNextLink)
		if got := idsOf(next.Value); !gocmp.Equal(got, idsOf(all[5:8])) {
			t.Errorf("after $skip=2 $top=3: %v; want %v", got, idsOf(all[5:8]))
		}
	})
	t.Run("a delegated caller sees its own, as inviter or invitee", func(t *testing.T) {
		res := e.list(delegated(t, tenantA, alice, invitations.PermRead), raw.ListInvitationsParams{Count: ptr(true)})
		if got := *res.JSON200.OdataCount; got != 9 {
			t.Errorf("alice sees %d; want 8 as inviter + 1 as invitee", got)
		}
		for _, inv := range res.JSON200.Value {
			if *inv.Inviter != alice && *inv.Invitee != alice {
				t.Errorf("alice sees %s -> %s", *inv.Inviter, *inv.Invitee)
			}
		}
		res = e.list(delegated(t, tenantB, alice, invitations.PermRead), raw.ListInvitationsParams{})
		if len(res.JSON200.Value) != 0 {
			t.Errorf("alice in another tenant sees %d; want 0", len(res.JSON200.Value))
		}
	})
	t.Run("filters", func(t *testing.T) {
		for filter, want := range map[string]int{
			"inviter eq '" + bob + "'":                            4,
			"inviter ne '" + bob + "'":                            9,
			"invitee eq 'urn:li:email:g3@example.com'":            1,
			"trackingId eq null":                                  13,
			"created ge " + fmt.Sprint(*all[6].Created):           7,
			"(inviter eq '" + alice + "') and trackingId ne null": 0,
			"inviter eq 'urn:li:person:O''Brien'":                 0,
		} {
			res := e.list(app, raw.ListInvitationsParams{Filter: &filter, Count: ptr(true)})
			if res.StatusCode() != http.StatusOK {
				t.Errorf("$filter=%s: status %d; body %s", filter, res.StatusCode(), res.Body)
				continue
			}
			if got := *res.JSON200.OdataCount; got < int64(want) || (!strings.Contains(filter, "ge") && got != int64(want)) {
				t.Errorf("$filter=%s: count %d; want %d", filter, got, want)
			}
		}
	})
}

func TestListInvitationsRejects(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(tenantA, alice, bob)
	app := application(t, tenantA, invitations.PermReadAll)
	e.mustCreate(tenantA, alice, "urn:li:person:Other")
	link := *e.list(app, raw.ListInvitationsParams{Top: ptr(1)}).JSON200.OdataNextLink
	u, _ := url.Parse(link)
	token := u.Query().Get("$skiptoken")
	tampered := []byte(token)
	tampered[len(tampered)/2] ^= 1

	for _, tt := range []struct {
		query  string
		target string
	}{
		{"$top=0", "$top"},
		{"$top=1000", "$top"},
		{"$top=ten", "$top"},
		{"$skip=-1", "$skip"},
		{"$count=yes", "$count"},
		{"$filter=inviter eq 'a' or invitee eq 'b'", "$filter"},
		{"$filter=status eq 'sent'", "$filter"},
		{"$filter=created eq 'yesterday'", "$filter"},
		{"$filter=inviter gt 'a'", "$filter"},
		{"$filter=startswith(inviter,'urn')", "$filter"},
		{"$filter=inviter eq 'unterminated", "$filter"},
		{"$filter=", "$filter"},
		{"$orderby=", "$orderby"},
		{"$orderby", "$orderby"},
		{"$orderby=inviter", "$orderby"},
		{"$orderby=created sideways", "$orderby"},
		{"$select=status", "$select"},
		{"$expand=message", "$expand"},
		{"$search=ada", "$search"},
		{"top=5", "top"},
		{"$top=5&$top=6", "$top"},
		{"$skiptoken=" + url.QueryEscape(string(tampered)), "$skiptoken"},
		{"$skiptoken=garbage", "$skiptoken"},
		{"$filter=" + url.QueryEscape("inviter eq '"+alice+"'") + "&$skiptoken=" + url.QueryEscape(token), "$skiptoken"},
		{"$skip=1&$skiptoken=" + url.QueryEscape(token), "$skip"},
	} {
		t.Run(tt.query, func(t *testing.T) {
			u := e.url + "/linkedIn/invitations?" + strings.ReplaceAll(tt.query, " ", "%20")
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
			req.Header.Set("Authorization", "Bearer "+app)
			res, err := e.transport.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var body raw.ODataError
			json.NewDecoder(res.Body).Decode(&body)
			if res.StatusCode != http.StatusBadRequest {
				t.Fatalf("status = %d; want 400 (%s)", res.StatusCode, body.Error.Message)
			}
			if deref(body.Error.Target) != tt.target || !strings.Contains(body.Error.Message, tt.target) {
				t.Errorf("error = %q (target %q); want it to name %s", body.Error.Message, deref(body.Error.Target), tt.target)
			}
		})
	}
}
