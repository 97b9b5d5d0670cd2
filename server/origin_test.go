package server_test

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/client/raw"
	"github.com/graph-linkedin/invitations/jwtauth"
	"github.com/graph-linkedin/invitations/server"
)

// The absolute links of a list (@odata.context, @odata.nextLink) start with
// the public URL when there is one; else with what a trusted proxy
// forwarded; else with the address the connection reached. What the
// request's Host or an untrusted peer's X-Forwarded-* say never counts.
// (The test's requests come from 127.0.0.1.)
func TestLinks(t *testing.T) {
	public, err := url.Parse("https://invitations.example.com")
	if err != nil {
		t.Fatal(err)
	}
	loopback := netip.MustParsePrefix("127.0.0.0/8")
	elsewhere := netip.MustParsePrefix("10.0.0.0/8")
	forwarded := func(req *http.Request) {
		req.Host = "evil.example"
		req.Header.Set("X-Forwarded-Proto", "https")
		req.Header.Set("X-Forwarded-Host", "api.contoso.com")
	}
	forwardedTwice := func(req *http.Request) { // a client's own values, then the proxy's
		req.Header.Add("X-Forwarded-Host", "evil.example, api.contoso.com:8443")
		req.Header.Add("X-Forwarded-Proto", "http")
		req.Header.Add("X-Forwarded-Proto", "HTTPS")
	}
	hostOnly := func(req *http.Request) { req.Host = "evil.example" }
	forwardedJunk := func(req *http.Request) {
		req.Header.Set("X-Forwarded-Host", "evil.example/path?q")
		req.Header.Set("X-Forwarded-Proto", "javascript")
	}
	const self = "" // the listener's own URL
	for _, tt := range []struct {
		name    string
		public  *url.URL
		proxies []netip.Prefix
		edit    func(*http.Request)
		want    string // the links' base, before /v1.0
	}{
		{"another Host, nothing configured", nil, nil, hostOnly, self},
		{"forwarded, nothing configured", nil, nil, forwarded, self},
		{"forwarded by an untrusted peer", nil, []netip.Prefix{elsewhere}, forwarded, self},
		{"forwarded by a trusted proxy", nil, []netip.Prefix{elsewhere, loopback}, forwarded, "https://api.contoso.com"},
		{"appended to by a trusted proxy", nil, []netip.Prefix{loopback}, forwardedTwice, "https://api.contoso.com:8443"},
		{"a trusted proxy's Host, nothing forwarded", nil, []netip.Prefix{loopback}, hostOnly, "http://evil.example"},
		{"junk forwarded by a trusted proxy", nil, []netip.Prefix{loopback}, forwardedJunk, self},
		{"a public URL", public, nil, hostOnly, "https://invitations.example.com"},
		{"a public URL, forwarded by a trusted proxy", public, []netip.Prefix{loopback}, forwarded, "https://invitations.example.com"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(o *server.Options) { o.PublicURL, o.TrustedProxies = tt.public, tt.proxies })
			e.mustCreate(tenantA, alice, bob)
			e.mustCreate(tenantA, alice, "urn:li:person:C4rol")
			want := tt.want
			if want == self {
				want = strings.TrimSuffix(e.url, server.BasePath)
			}
			app := application(t, tenantA, invitations.PermReadAll)
			res, body := e.doAs(app, http.MethodGet, e.url+"/linkedIn/invitations?$top=1", "", tt.edit)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("list = %d %s", res.StatusCode, body)
			}
			var page raw.InvitationV2Collection
			if err := json.Unmarshal([]byte(body), &page); err != nil {
				t.Fatal(err)
			}
			if got := page.OdataContext; got != want+"/v1.0/$metadata#linkedIn/invitations" {
				t.Errorf("@odata.context = %q; want it under %s/v1.0", got, want)
			}
			if got := deref(page.OdataNextLink); !strings.HasPrefix(got, want+"/v1.0/linkedIn/invitations?") {
				t.Errorf("@odata.nextLink = %q; want it under %s/v1.0", got, want)
			}
		})
	}
}

// A public URL must be the service's absolute root URL.
func TestPublicURLRefused(t *testing.T) {
	for _, raw := range []string{"invitations.example.com", "ftp://invitations.example.com", "https://", "https://user:pw@invitations.example.com",
		"https://invitations.example.com/api", "https://invitations.example.com?x=1", "https://invitations.example.com#top", "mailto:a@b.c"} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if err := server.CheckPublicURL(u); err == nil {
			t.Errorf("CheckPublicURL(%q) = nil; want an error", raw)
		}
		if _, err := server.New(nil, nil, server.Options{Verifier: jwtauth.NewHS256(testKey, jwtauth.DevIssuer, jwtauth.DevAudience), PublicURL: u}); err == nil {
			t.Errorf("New with PublicURL %q = nil error; want one", raw)
		}
	}
	for _, raw := range []string{"https://invitations.example.com", "http://10.0.0.1:8080/", "https://[2001:db8::1]"} {
		u, _ := url.Parse(raw)
		if err := server.CheckPublicURL(u); err != nil {
			t.Errorf("CheckPublicURL(%q) = %v; want nil", raw, err)
		}
	}
}
