package profile

import (
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// peerAddress checks a peer's host (with an optional IKE port) and NAT-T
// port, and splits the port off Host.
func (v *validator) peerAddress(i int, peer *Peer) {
	host, port, msg := splitHostPort(peer.Host)
	if msg != "" {
		v.fail([]any{"peer", i, "host"}, "peer host %q %s; write it like gw.example.com, 192.0.2.1, gw.example.com:10500 or [2001:db8::1]:10500", peer.Host, msg)
	} else {
		peer.Host, peer.Port = host, port
	}
	if peer.NATTPort < 0 || peer.NATTPort > 65535 {
		v.fail([]any{"peer", i, "natt_port"}, "peer natt_port %d is not a port; set the gateway's NAT-T port from 1 to 65535, or leave it out for 4500", peer.NATTPort)
	}
}

// splitHostPort splits "host", "host:port" or "[v6]:port"; a bare IPv6
// address has no port. msg says what is wrong ("" when nothing is).
func splitHostPort(s string) (host string, port uint16, msg string) {
	if _, err := netip.ParseAddr(s); err == nil {
		return s, 0, ""
	}
	if !strings.Contains(s, ":") {
		if !validHost(s) {
			return "", 0, "is not an IP address or host name"
		}
		return s, 0, ""
	}
	h, p, err := net.SplitHostPort(s)
	if err != nil {
		return "", 0, "is not host:port (an IPv6 address with a port needs brackets)"
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return "", 0, "has port " + strconv.Quote(p) + ", not a number from 1 to 65535"
	}
	if _, err := netip.ParseAddr(h); err == nil {
		return h, uint16(n), ""
	}
	if strings.ContainsAny(h, ":%") || !validHost(h) {
		return "", 0, "is not an IP address or host name with a port"
	}
	return h, uint16(n), ""
}
