package notify

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"syscall"
)

// Where notifications may go. A subscriber names a URL; the service then
// makes requests to it from inside the operator's network, so a URL that
// leads to the service itself, its database or a cloud metadata endpoint
// must not be reachable (server-side request forgery). The check is made on
// the address each connection is about to use (a net.Dialer Control
// function), not on a name resolved beforehand: a name that resolves to a
// public address when checked and to 127.0.0.1 when dialled (DNS
// rebinding) is caught when dialled.

// errForbiddenAddress is the dialer's refusal of an address.
var errForbiddenAddress = errors.New("a loopback, private, link-local or otherwise non-public address")

// forbiddenPrefixes are ranges that are not public besides those netip's
// predicates name: "this network", shared address space (carrier-grade
// NAT), IETF protocol assignments, benchmarking, documentation, reserved,
// and IPv6's discard-only, documentation and NAT64-of-anything ranges.
var forbiddenPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("100::/64"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
}

// Public reports whether a is an address notifications may go to: none of
// loopback, private, link-local, multicast, unspecified or the other
// non-public ranges. An IPv4 address mapped into IPv6 is judged as IPv4.
func Public(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	for _, p := range forbiddenPrefixes {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// control is the dialer's Control function: it refuses a connection to an
// address that is not Public.
func control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("notify: dialling %q: %w", address, err)
	}
	if !Public(ap.Addr()) {
		return fmt.Errorf("%s is %w", ap.Addr(), errForbiddenAddress)
	}
	return nil
}

// parseURL checks a notification URL's form: absolute, https (or, when
// insecure is allowed, http), with a host.
func parseURL(raw string, allowHTTP bool) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL", raw)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && allowHTTP:
	case u.Scheme == "http":
		return nil, fmt.Errorf("%q is not an https URL; notifications go over TLS only", raw)
	default:
		return nil, fmt.Errorf("%q is not an https URL", raw)
	}
	if u.Host == "" || u.Hostname() == "" || u.Opaque != "" {
		return nil, fmt.Errorf("%q has no host", raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%q carries credentials; put a secret in clientState instead", raw)
	}
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

// isForbidden reports whether err is the dialer's refusal of an address.
func isForbidden(err error) bool {
	var op *net.OpError
	return errors.Is(err, errForbiddenAddress) || errors.As(err, &op) && errors.Is(op.Err, errForbiddenAddress)
}
