package notify

import (
	"net/netip"
	"testing"
)

func TestPublic(t *testing.T) {
	for _, tt := range []struct {
		addr string
		want bool
	}{
		{"93.184.216.34", true},
		{"8.8.8.8", true},
		{"2606:2800:220:1:248:1893:25c8:1946", true},
		{"127.0.0.1", false},
		{"127.8.9.10", false},
		{"::1", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"fe80::1", false},
		{"fc00::1", false},
		{"0.0.0.0", false},
		{"::", false},
		{"100.64.0.1", false},
		{"224.0.0.1", false},
		{"ff02::1", false},
		{"::ffff:127.0.0.1", false}, // IPv4-mapped loopback
		{"::ffff:10.0.0.1", false},
		{"64:ff9b::a00:1", false}, // NAT64 of 10.0.0.1
		{"198.18.0.1", false},
		{"255.255.255.255", false},
	} {
		if got := Public(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("Public(%s) = %v; want %v", tt.addr, got, tt.want)
		}
	}
}

func TestParseURL(t *testing.T) {
	for _, tt := range []struct {
		raw       string
		allowHTTP bool
		ok        bool
	}{
		{"https://webhooks.contoso.com/api/notify", false, true},
		{"https://webhooks.contoso.com:8443/n?x=1#frag", false, true},
		{"http://webhooks.contoso.com/api/notify", false, false},
		{"http://127.0.0.1:8080/notify", true, true},
		{"ftp://webhooks.contoso.com/", true, false},
		{"webhooks.contoso.com/api", false, false},
		{"https:///nohost", false, false},
		{"https://user:secret@webhooks.contoso.com/", false, false},
		{"https://[::1", false, false},
	} {
		u, err := parseURL(tt.raw, tt.allowHTTP)
		if (err == nil) != tt.ok {
			t.Errorf("parseURL(%q, %v) = %v, %v; want ok %v", tt.raw, tt.allowHTTP, u, err, tt.ok)
		}
		if err == nil && u.Fragment != "" {
			t.Errorf("parseURL(%q) keeps the fragment %q", tt.raw, u.Fragment)
		}
	}
}
