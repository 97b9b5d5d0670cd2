package server

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// origin knows where a request came from and how the caller reached the
// service: the base of the absolute links in answers, and the client
// address the failed-authentication budget counts by. What a request says
// about itself (Host, X-Forwarded-*) is believed only from a trusted proxy:
// otherwise anyone could have answers link to another site, or spread its
// failures over made-up addresses.
//
// The forwarded header fields are the de facto X-Forwarded-For, -Proto and
// -Host, which every common proxy and load balancer sets, rather than RFC
// 7239's Forwarded, which few do.
type origin struct {
	public  string         // Options.PublicURL + BasePath; "" without one
	proxies []netip.Prefix // Options.TrustedProxies
}

// CheckPublicURL reports why u cannot be Options.PublicURL: it must be an
// absolute http or https URL of the service's root, with a host, and
// nothing after it (no path, query, fragment or user information).
func CheckPublicURL(u *url.URL) error {
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("the scheme must be http or https")
	case u.Host == "" || u.Opaque != "":
		return errors.New("a host is needed, as in https://invitations.example.com")
	case u.User != nil:
		return errors.New("user information is not allowed")
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.ForceQuery, u.Fragment != "":
		return errors.New("the service must be at the root of it: nothing may follow the host")
	case !httpguts.ValidHostHeader(u.Host):
		return errors.New("the host is not valid")
	}
	return nil
}

func newOrigin(public *url.URL, proxies []netip.Prefix) (*origin, error) {
	o := &origin{proxies: proxies}
	if public != nil {
		if err := CheckPublicURL(public); err != nil {
			return nil, err
		}
		o.public = public.Scheme + "://" + public.Host + BasePath
	}
	return o, nil
}

// trusts reports whether addr is a trusted proxy.
func (o *origin) trusts(addr netip.Addr) bool {
	for _, p := range o.proxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// peer is the address of the request's direct peer; false when it has none
// (a request that did not come over TCP).
func peer(req *http.Request) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(req.RemoteAddr)
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr().Unmap().WithZone(""), true
}

// base is the API's absolute URL for the links in the answer to req: the
// public URL when there is one; else, from a trusted proxy, the scheme and
// host it forwarded (its Host when it forwarded none); else the address
// the connection reached, never the request's own Host. Only lists need
// it, so it is not built for every request.
func (o *origin) base(req *http.Request) string {
	if o.public != "" {
		return o.public
	}
	scheme := "http"
	if req.TLS != nil {
		scheme = "https"
	}
	if addr, ok := peer(req); ok && o.trusts(addr) {
		if p := strings.ToLower(lastValue(req.Header, "X-Forwarded-Proto")); p == "https" || p == "http" {
			scheme = p
		}
		host := req.Host
		if h := lastValue(req.Header, "X-Forwarded-Host"); h != "" && httpguts.ValidHostHeader(h) {
			host = h
		}
		return scheme + "://" + host + BasePath
	}
	local, ok := req.Context().Value(http.LocalAddrContextKey).(*net.TCPAddr)
	if !ok {
		return BasePath // not over TCP: links stay relative
	}
	// A wildcard listener's connection has the concrete address it reached;
	// an IPv6 zone has no place in a URL.
	ap := local.AddrPort()
	return scheme + "://" + netip.AddrPortFrom(ap.Addr().Unmap().WithZone(""), ap.Port()).String() + BasePath
}

// client is the address the request comes from: its direct peer, or, from
// a trusted proxy, the address X-Forwarded-For names last before the
// trusted proxies that appended to it (read right to left: an entry left
// of an untrusted one could be made up by the client). The zero Addr for a
// request without a peer address.
func (o *origin) client(req *http.Request) netip.Addr {
	addr, ok := peer(req)
	if !ok || !o.trusts(addr) {
		return addr
	}
	values := req.Header.Values("X-Forwarded-For")
	for i := len(values) - 1; i >= 0; i-- {
		list := values[i]
		for list != "" {
			var entry string
			if j := strings.LastIndexByte(list, ','); j >= 0 {
				entry, list = list[j+1:], list[:j]
			} else {
				entry, list = list, ""
			}
			next, ok := forwardedAddr(strings.TrimSpace(entry))
			if !ok {
				return addr // garbage from beyond the last trusted hop
			}
			addr = next
			if !o.trusts(addr) {
				return addr
			}
		}
	}
	return addr
}

// forwardedAddr parses an X-Forwarded-For entry: an address, or (as some
// load balancers write it) an address and port.
func forwardedAddr(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	return netip.Addr{}, false
}

// lastValue is the last comma-separated value of the header field name:
// the one the nearest proxy set, when proxies append.
func lastValue(h http.Header, name string) string {
	values := h.Values(name)
	if len(values) == 0 {
		return ""
	}
	v := values[len(values)-1]
	if i := strings.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return strings.TrimSpace(v)
}
