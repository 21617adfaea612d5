package ike

import (
	"net/netip"

	"flexvpn/tunnel/ike/wire"
)

// Traffic selector narrowing (RFC 7296 2.9): the responder answers with
// the intersection of what the initiator proposed and its own policy.

// narrow returns every non-empty intersection of offered with ours, in
// the offered order.
func narrow(offered, ours []wire.TrafficSelector) []wire.TrafficSelector {
	var out []wire.TrafficSelector
	for _, o := range offered {
		for _, p := range ours {
			if ts, ok := intersect(o, p); ok {
				out = append(out, ts)
			}
		}
	}
	return out
}

// intersect is the overlap of two selectors: same type, overlapping
// address and port ranges, compatible protocol (0 is any).
func intersect(a, b wire.TrafficSelector) (wire.TrafficSelector, bool) {
	if a.Type != b.Type || (a.IPProto != 0 && b.IPProto != 0 && a.IPProto != b.IPProto) {
		return wire.TrafficSelector{}, false
	}
	r := wire.TrafficSelector{Type: a.Type, IPProto: max(a.IPProto, b.IPProto),
		StartPort: max(a.StartPort, b.StartPort), EndPort: min(a.EndPort, b.EndPort),
		Start: maxAddr(a.Start, b.Start), End: minAddr(a.End, b.End)}
	if r.StartPort > r.EndPort || r.End.Less(r.Start) {
		return wire.TrafficSelector{}, false
	}
	return r, true
}

func maxAddr(a, b netip.Addr) netip.Addr {
	if a.Less(b) {
		return b
	}
	return a
}

func minAddr(a, b netip.Addr) netip.Addr {
	if a.Less(b) {
		return a
	}
	return b
}

// hostSelectors returns one full-port selector per address.
func hostSelectors(addrs []netip.Addr) []wire.TrafficSelector {
	var out []wire.TrafficSelector
	for _, a := range addrs {
		t := wire.TSIPv4AddrRange
		if a.Is6() {
			t = wire.TSIPv6AddrRange
		}
		out = append(out, wire.TrafficSelector{Type: t, EndPort: 65535, Start: a, End: a})
	}
	return out
}
