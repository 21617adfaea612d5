package server

import (
	"net/netip"

	"flexvpn/tunnel/ike/wire"
)

// ReplyInfo is what the reply needs beyond the request and authorization.
type ReplyInfo struct {
	// AppVersion is our APPLICATION_VERSION string ("" sends none).
	AppVersion string
	// CiscoClient is set when the client sent a Cisco/FlexVPN vendor ID;
	// Unity attributes then go out even if it asked for none of them
	// (seed L1554: Unity attributes only to AnyConnect/FlexVPN clients).
	CiscoClient bool
}

// maxUnityList is the seed's limit for split-DNS names and backup servers.
const maxUnityList = 10

// BuildCPReply assembles the CFG_REPLY attributes (seed L1505-1584):
//   - INTERNAL_IP4_ADDRESS / INTERNAL_IP6_ADDRESS only when the client asked
//     and the lease has one; INTERNAL_IP4_NETMASK only with the IPv4 address
//     and only if authorization set a netmask;
//   - the other standard attributes even if not requested: DNS, NBNS,
//     INTERNAL_IP4/6_SUBNET for each split network;
//   - INTERNAL_DNS_DOMAIN only if requested (RFC 8598: the request is how a
//     client says it does split DNS) and only with DNS servers to send;
//   - Unity attributes (SPLIT_INCLUDE, SPLITDNS_NAME, DEF_DOMAIN, BANNER,
//     BACKUP_SERVERS) when the client asked for any Unity attribute or is a
//     Cisco client; multi-valued ones as one attribute per value;
//   - APPLICATION_VERSION when requested or to a Cisco client.
func BuildCPReply(req CPRequest, a Attributes, l Lease, info ReplyInfo) []wire.CPAttr {
	var out []wire.CPAttr
	out = appendAddresses(out, req, a, l)
	out = appendServers(out, a)
	out = appendSubnets(out, a.SplitNetworks)
	if req.Asked(wire.INTERNAL_DNS_DOMAIN) && len(a.DNS) > 0 {
		for _, d := range a.SplitDNS {
			out = append(out, textAttr(wire.INTERNAL_DNS_DOMAIN, d))
		}
	}
	if info.CiscoClient || req.askedUnity() {
		out = appendUnity(out, a)
	}
	if info.AppVersion != "" && (info.CiscoClient || req.Asked(wire.APPLICATION_VERSION)) {
		out = append(out, textAttr(wire.APPLICATION_VERSION, info.AppVersion))
	}
	return out
}

func appendAddresses(out []wire.CPAttr, req CPRequest, a Attributes, l Lease) []wire.CPAttr {
	if req.IP4 && l.IP4.Is4() {
		out = append(out, addrAttr(wire.INTERNAL_IP4_ADDRESS, l.IP4))
		if a.Netmask.Is4() {
			out = append(out, addrAttr(wire.INTERNAL_IP4_NETMASK, a.Netmask))
		}
	}
	if req.IP6 && l.IP6.Is6() {
		out = append(out, ip6PrefixAttr(wire.INTERNAL_IP6_ADDRESS, netip.PrefixFrom(l.IP6, IP6Bits)))
	}
	return out
}

func appendServers(out []wire.CPAttr, a Attributes) []wire.CPAttr {
	for _, d := range a.DNS {
		t := wire.INTERNAL_IP6_DNS
		if d.Is4() {
			t = wire.INTERNAL_IP4_DNS
		}
		out = append(out, addrAttr(t, d))
	}
	for _, n := range a.NBNS {
		if n.Is4() {
			out = append(out, addrAttr(wire.INTERNAL_IP4_NBNS, n))
		}
	}
	return out
}

func appendSubnets(out []wire.CPAttr, nets []netip.Prefix) []wire.CPAttr {
	for _, p := range nets {
		if p.Addr().Is4() {
			out = append(out, wire.CPAttr{Type: wire.INTERNAL_IP4_SUBNET, Value: appendIP4Subnet(nil, p)})
		} else {
			out = append(out, ip6PrefixAttr(wire.INTERNAL_IP6_SUBNET, p.Masked()))
		}
	}
	return out
}

func appendUnity(out []wire.CPAttr, a Attributes) []wire.CPAttr {
	if v := unitySplitInclude(a.SplitNetworks); v != nil {
		out = append(out, wire.CPAttr{Type: wire.UNITY_SPLIT_INCLUDE, Value: v})
	}
	for _, d := range a.SplitDNS[:min(len(a.SplitDNS), maxUnityList)] {
		out = append(out, textAttr(wire.UNITY_SPLITDNS_NAME, d))
	}
	if a.DefaultDomain != "" {
		out = append(out, textAttr(wire.UNITY_DEF_DOMAIN, a.DefaultDomain))
	}
	if a.Banner != "" {
		out = append(out, textAttr(wire.UNITY_BANNER, a.Banner))
	}
	for _, g := range a.BackupGateways[:min(len(a.BackupGateways), maxUnityList)] {
		out = append(out, textAttr(wire.UNITY_BACKUP_SERVERS, g))
	}
	return out
}

// unitySplitInclude encodes the IPv4 split networks as Cisco Unity
// SPLIT_INCLUDE records: address (4), netmask (4), then 6 bytes of
// protocol and ports, zero for "any".
func unitySplitInclude(nets []netip.Prefix) []byte {
	var v []byte
	for _, p := range nets {
		if !p.Addr().Is4() {
			continue
		}
		v = appendIP4Subnet(v, p)
		v = append(v, 0, 0, 0, 0, 0, 0)
	}
	return v
}

// Narrowing is the traffic-selector input for the engine: Local is what
// the client may reach through the tunnel (TSr), Remote the client's own
// side (TSi). A nil Remote means "no address was assigned": keep what the
// client proposed (a router client's own networks).
type Narrowing struct {
	Local, Remote []wire.TrafficSelector
}

// AllowedSelectors returns the selectors for a session: the split networks
// (or everything, for a full tunnel, in each family the client has an
// address in) and the client's assigned addresses.
func AllowedSelectors(a Attributes, l Lease) Narrowing {
	var n Narrowing
	for _, addr := range []netip.Addr{l.IP4, l.IP6} {
		if addr.IsValid() {
			n.Remote = append(n.Remote, wire.SelectorFromPrefix(netip.PrefixFrom(addr, addr.BitLen())))
		}
	}
	for _, p := range a.SplitNetworks {
		n.Local = append(n.Local, wire.SelectorFromPrefix(p))
	}
	if len(a.SplitNetworks) > 0 {
		return n
	}
	if l.IP4.IsValid() || !l.IP6.IsValid() {
		n.Local = append(n.Local, wire.SelectorFromPrefix(netip.MustParsePrefix("0.0.0.0/0")))
	}
	if l.IP6.IsValid() {
		n.Local = append(n.Local, wire.SelectorFromPrefix(netip.MustParsePrefix("::/0")))
	}
	return n
}
