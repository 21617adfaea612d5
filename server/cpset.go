package server

import (
	"net/netip"

	"flexvpn/tunnel/ike/wire"
)

// Push-mode configuration (seed notes ch.4 §1.1): the server sends
// CFG_SET when the client sent no CFG_REQUEST but policy has data for it,
// and answers a client's CFG_SET (a router client announcing its
// networks) with CFG_ACK.

// BuildCPSet returns the attributes of a server CFG_SET: everything a
// CFG_REPLY would carry except addresses, which are only ever given to a
// client that asks. An empty result means there is nothing to push.
func BuildCPSet(a Attributes, info ReplyInfo) []wire.CPAttr {
	return BuildCPReply(CPRequest{asked: map[wire.CPAttrType]bool{}}, a, Lease{}, info)
}

// BuildCPAck answers a client's CFG_SET: a zero-length attribute of each
// type we accepted (RFC 7296 3.15), once per type. Announced subnets are
// acknowledged only if at least one of that family was accepted by
// AcceptAnnounced; the client's version string is always taken.
func BuildCPAck(set CPRequest, accepted []netip.Prefix) []wire.CPAttr {
	var out []wire.CPAttr
	has4, has6 := false, false
	for _, p := range accepted {
		has4, has6 = has4 || p.Addr().Is4(), has6 || p.Addr().Is6()
	}
	if has4 {
		out = append(out, wire.CPRequest(wire.INTERNAL_IP4_SUBNET))
	}
	if has6 {
		out = append(out, wire.CPRequest(wire.INTERNAL_IP6_SUBNET))
	}
	if set.AppVersion != "" {
		out = append(out, wire.CPRequest(wire.APPLICATION_VERSION))
	}
	return out
}

// AcceptAnnounced filters the networks a router client announces behind
// itself ("route accept", seed L1919). A client may not claim the default
// route, our protected networks, any pool or anything overlapping them:
// that would let one client pull other clients' or the LAN's traffic to
// itself. Everything else is accepted, the seed's "route accept any".
func AcceptAnnounced(announced []netip.Prefix, a Attributes, pools Pools) (accepted, rejected []netip.Prefix) {
	protected := append([]netip.Prefix(nil), a.SplitNetworks...)
	for _, p := range pools {
		protected = append(protected, p.Prefix())
	}
	for _, n := range announced {
		if n.Bits() == 0 || overlapsAny(n, protected) {
			rejected = append(rejected, n)
			continue
		}
		accepted = append(accepted, n)
	}
	return accepted, rejected
}

func overlapsAny(n netip.Prefix, list []netip.Prefix) bool {
	for _, p := range list {
		if n.Overlaps(p) {
			return true
		}
	}
	return false
}
