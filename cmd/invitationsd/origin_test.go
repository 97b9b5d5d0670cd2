package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations/spectest"
)

// startWithData is startRun on a fresh SQLite file and development key, with
// the metrics listener off; it returns the address and a ReadWrite token.
func startWithData(t *testing.T, args ...string) (addr, tok string) {
	t.Helper()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "dev-jwt.key")
	tok = token(t, keyFile, "urn:li:person:A1iceX9")
	addr, _ = startRun(t, append([]string{"-addr", "127.0.0.1:0", "-metrics-addr", "", "-db", filepath.Join(dir, "invitations.db"),
		"-dev-key-file", keyFile}, args...)...)
	return addr, tok
}

// -public-url and -trusted-proxies decide the links' base: the public URL;
// else what a trusted proxy forwards; else the address the server listens
// on, whatever the request's Host says. (The test's requests come from
// 127.0.0.1.)
func TestLinkFlags(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want string // the links' base; "" for the listen address
	}{
		{"no flags", nil, ""},
		{"an untrusted peer", []string{"-trusted-proxies", "10.0.0.0/8, 192.168.0.1"}, ""},
		{"a trusted proxy", []string{"-trusted-proxies", "10.0.0.0/8,127.0.0.1"}, "https://api.contoso.com"},
		{"a public URL", []string{"-public-url", "https://invitations.example.com/", "-trusted-proxies", "127.0.0.0/8"},
			"https://invitations.example.com"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			addr, tok := startWithData(t, tt.args...)
			want := tt.want
			if want == "" {
				want = "http://" + addr
			}
			c := newClient(t, addr, tok)
			for _, invitee := range []string{"urn:li:person:B0b", "urn:li:person:C4rol"} {
				if got := create(t, c, invitee); got != http.StatusCreated {
					t.Fatalf("create = %d; want 201", got)
				}
			}
			req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/v1.0/linkedIn/invitations?$top=1", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = "evil.example"
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("X-Forwarded-Proto", "https")
			req.Header.Set("X-Forwarded-Host", "api.contoso.com")
			res, err := spectest.NewTransport(t, nil).Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var page struct {
				Context  string `json:"@odata.context"`
				NextLink string `json:"@odata.nextLink"`
			}
			if err := json.NewDecoder(res.Body).Decode(&page); err != nil || res.StatusCode != http.StatusOK {
				t.Fatalf("list = %d, %v", res.StatusCode, err)
			}
			if page.Context != want+"/v1.0/$metadata#linkedIn/invitations" || !strings.HasPrefix(page.NextLink, want+"/v1.0/linkedIn/invitations?") {
				t.Errorf("@odata.context %q, @odata.nextLink %q; want both under %s/v1.0", page.Context, page.NextLink, want)
			}
		})
	}
}

// A public URL, a proxy list or a budget that does not parse stops the
// server at start-up, with a message naming the flag or the variable.
func TestLinkFlagsRefused(t *testing.T) {
	noEnv := func(string) string { return "" }
	for _, tt := range []struct {
		args []string
		flag string
	}{
		{[]string{"-public-url", "invitations.example.com"}, "-public-url"},
		{[]string{"-public-url", "ftp://invitations.example.com"}, "-public-url"},
		{[]string{"-public-url", "https://invitations.example.com/api"}, "-public-url"},
		{[]string{"-public-url", "https://invitations.example.com?x=1"}, "-public-url"},
		{[]string{"-public-url", "https://%zz"}, "-public-url"},
		{[]string{"-trusted-proxies", "10.0.0.0/33"}, "-trusted-proxies"},
		{[]string{"-trusted-proxies", "10.0.0.1,proxy.example"}, "-trusted-proxies"},
		{[]string{"-trusted-proxies", "10.0.0.1,,10.0.0.2"}, "-trusted-proxies"},
		{[]string{"-auth-failure-rate", "-1"}, "-auth-failure-rate"},
		{[]string{"-auth-failure-burst", "0"}, "-auth-failure-burst"},
	} {
		var out bytes.Buffer
		err := run(context.Background(), append([]string{"invitationsd", "-addr", "127.0.0.1:0", "-metrics-addr", ""}, tt.args...), noEnv, &out, &out)
		if err == nil || !strings.Contains(err.Error(), tt.flag) {
			t.Errorf("run(%s) = %v; want an error naming %s", strings.Join(tt.args, " "), err, tt.flag)
		}
		if strings.Contains(out.String(), `"listening"`) {
			t.Errorf("run(%s) listened", strings.Join(tt.args, " "))
		}
	}
	for key, value := range map[string]string{
		"INVITATIONS_PUBLIC_URL":         "ftp://invitations.example.com",
		"INVITATIONS_TRUSTED_PROXIES":    "10.0.0.0/8;10.1.0.0/16",
		"INVITATIONS_AUTH_FAILURE_RATE":  "fast",
		"INVITATIONS_AUTH_FAILURE_BURST": "many",
	} {
		var out bytes.Buffer
		env := func(k string) string {
			if k == key {
				return value
			}
			return ""
		}
		if err := run(context.Background(), []string{"invitationsd", "-addr", "127.0.0.1:0", "-metrics-addr", ""}, env, &out, &out); err == nil ||
			!strings.Contains(err.Error(), key) {
			t.Errorf("run with %s=%s = %v; want an error naming it", key, value, err)
		}
	}
}

// The environment sets them too.
func TestLinkFlagsFromEnvironment(t *testing.T) {
	env := map[string]string{
		"INVITATIONS_PUBLIC_URL":         "https://invitations.example.com",
		"INVITATIONS_TRUSTED_PROXIES":    "10.0.0.0/8, 192.168.1.7, 2001:db8::/32",
		"INVITATIONS_AUTH_FAILURE_RATE":  "0.5",
		"INVITATIONS_AUTH_FAILURE_BURST": "20",
	}
	var out bytes.Buffer
	cfg, err := parseConfig(nil, func(k string) string { return env[k] }, &out)
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32"), netip.MustParsePrefix("2001:db8::/32")}
	if cfg.publicURL.String() != env["INVITATIONS_PUBLIC_URL"] || !cmp.Equal(cfg.trustedProxies, want, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })) ||
		cfg.authFailureRate != 0.5 || cfg.authFailureBurst != 20 {
		t.Errorf("parseConfig with the environment = public URL %v, proxies %v, failures %v/s burst %d; want %v, %v, 0.5/s burst 20",
			cfg.publicURL, cfg.trustedProxies, cfg.authFailureRate, cfg.authFailureBurst, env["INVITATIONS_PUBLIC_URL"], want)
	}
}

// The budget of failed authentications is on by default, generous (a
// hundred at once), and refuses the address's next request with 429; at
// rate 0 it is off.
func TestFailedAuthenticationBudgetDefault(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		last int // the status of the 101st failure
	}{
		{"default", nil, http.StatusTooManyRequests},
		{"off", []string{"-auth-failure-rate", "0"}, http.StatusUnauthorized},
	} {
		t.Run(tt.name, func(t *testing.T) {
			addr, _ := startWithData(t, tt.args...)
			hc := spectest.NewTransport(t, nil).Client()
			for i := 1; i <= 101; i++ {
				req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/v1.0/linkedIn/invitations", nil)
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Authorization", "Bearer not.a.jwt")
				res, err := hc.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				want := http.StatusUnauthorized
				if i == 101 {
					want = tt.last
				}
				if res.StatusCode != want {
					t.Fatalf("failure %d: status %d; want %d", i, res.StatusCode, want)
				}
				if want == http.StatusTooManyRequests && res.Header.Get("Retry-After") == "" {
					t.Errorf("429 without Retry-After")
				}
			}
		})
	}
}
