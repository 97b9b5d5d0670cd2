package server

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestOriginClient(t *testing.T) {
	o := &origin{proxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32")}}
	for _, tt := range []struct {
		remote string
		xff    []string
		want   string
	}{
		{"203.0.113.7:5000", []string{"198.51.100.1"}, "203.0.113.7"},                          // an untrusted peer: its own address
		{"10.0.0.2:5000", nil, "10.0.0.2"},                                                     // a proxy that forwards nothing
		{"10.0.0.2:5000", []string{"198.51.100.1"}, "198.51.100.1"},                            // one proxy
		{"10.0.0.2:5000", []string{"192.0.2.9, 198.51.100.1, 10.0.0.3"}, "198.51.100.1"},       // two proxies; the first entry is the client's to make up
		{"10.0.0.2:5000", []string{"192.0.2.9", "198.51.100.1", "10.0.0.3"}, "198.51.100.1"},   // the same in three fields
		{"10.0.0.2:5000", []string{"10.0.0.4, 10.0.0.3"}, "10.0.0.4"},                          // only proxies: the farthest
		{"10.0.0.2:5000", []string{"198.51.100.1, garbage"}, "10.0.0.2"},                       // garbage stops the walk at the last known hop
		{"10.0.0.2:5000", []string{"198.51.100.1:4711"}, "198.51.100.1"},                       // with a port
		{"10.0.0.2:5000", []string{"[2001:db8::5]:80, 2001:db9::7"}, "2001:db9::7"},            // IPv6
		{"[::ffff:10.0.0.2]:5000", []string{"::ffff:198.51.100.1"}, "198.51.100.1"},            // IPv4-mapped
		{"[fe80::1%eth0]:5000", nil, "fe80::1"},                                                // a zone
		{"not an address", []string{"198.51.100.1"}, "invalid IP"},                             // no peer address
		{"10.0.0.2:5000", []string{"198.51.100.1, 10.0.0.3", "garbage, 10.0.0.9"}, "10.0.0.9"}, // garbage in a later field
	} {
		req := httptest.NewRequest("GET", "/", nil)
		req.RemoteAddr = tt.remote
		for _, v := range tt.xff {
			req.Header.Add("X-Forwarded-For", v)
		}
		if got := o.client(req).String(); got != tt.want {
			t.Errorf("client(RemoteAddr %q, X-Forwarded-For %q) = %s; want %s", tt.remote, tt.xff, got, tt.want)
		}
	}
}

func TestClientKey(t *testing.T) {
	for _, tt := range []struct{ addr, want string }{
		{"198.51.100.1", "198.51.100.1/32"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
	} {
		if got := clientKey(netip.MustParseAddr(tt.addr)).String(); got != tt.want {
			t.Errorf("clientKey(%s) = %s; want %s", tt.addr, got, tt.want)
		}
	}
	if got := clientKey(netip.Addr{}); got != (netip.Prefix{}) {
		t.Errorf("clientKey(no address) = %v; want the zero Prefix", got)
	}
}
