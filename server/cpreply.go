package server

import (
	"net/netip"
	"slices"

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
//     Cisco client; split-DNS names comma-joined in one attribute (the
//     Unity form), backup servers one attribute each;
//   - APPLICATION_VERSION when requested or to a Cisco client.
func BuildCPReply(req CPRequest, a Attributes, l Lease, info ReplyInfo) []wire.CPAttr {
	var out attrList
	out.addresses(req, a, l)
	out.servers(a)
	out.subnets(a.SplitNetworks)
	if req.Asked(wire.INTERNAL_DNS_DOMAIN) && len(a.DNS) > 0 {
		for _, d := range a.SplitDNS {
			out.put(wire.NewCPText(wire.INTERNAL_DNS_DOMAIN, d))
		}
	}
	if info.CiscoClient || req.askedUnity() {
		out.unity(a)
	}
	if info.AppVersion != "" && (info.CiscoClient || req.Asked(wire.APPLICATION_VERSION)) {
		out.put(wire.NewCPText(wire.APPLICATION_VERSION, info.AppVersion))
	}
	return out
}

// attrList collects reply attributes.
type attrList []wire.CPAttr

func (l *attrList) put(a wire.CPAttr) { *l = append(*l, a) }

// add appends a built attribute. The wire builders fail only for a value
// of the wrong family or form, which configuration validation rules out;
// such an attribute is dropped rather than sent malformed.
func (l *attrList) add(a wire.CPAttr, err error) {
	if err == nil {
		l.put(a)
	}
}

func (l *attrList) addresses(req CPRequest, a Attributes, lease Lease) {
	if req.IP4 && lease.IP4.Is4() {
		l.add(wire.NewCPAddr(wire.INTERNAL_IP4_ADDRESS, lease.IP4))
		if a.Netmask.Is4() {
			l.add(wire.NewCPAddr(wire.INTERNAL_IP4_NETMASK, a.Netmask))
		}
	}
	if req.IP6 && lease.IP6.Is6() {
		l.add(wire.NewCPIP6Address(netip.PrefixFrom(lease.IP6, IP6Bits)))
	}
}

func (l *attrList) servers(a Attributes) {
	for _, d := range a.DNS {
		t := wire.INTERNAL_IP6_DNS
		if d.Is4() {
			t = wire.INTERNAL_IP4_DNS
		}
		l.add(wire.NewCPAddr(t, d))
	}
	for _, n := range a.NBNS {
		if n.Is4() {
			l.add(wire.NewCPAddr(wire.INTERNAL_IP4_NBNS, n))
		}
	}
}

func (l *attrList) subnets(nets []netip.Prefix) {
	for _, p := range nets {
		if p.Addr().Is4() {
			l.add(wire.NewCPIP4Subnet(p.Masked()))
		} else {
			l.add(wire.NewCPIP6Subnet(p))
		}
	}
}

func (l *attrList) unity(a Attributes) {
	var v4 []netip.Prefix
	for _, p := range a.SplitNetworks {
		if p.Addr().Is4() {
			v4 = append(v4, p.Masked())
		}
	}
	if len(v4) > 0 {
		l.add(wire.NewCPUnitySubnets(wire.UNITY_SPLIT_INCLUDE, v4))
	}
	if len(a.SplitDNS) > 0 {
		l.add(wire.NewCPSplitDNS(a.SplitDNS[:min(len(a.SplitDNS), maxUnityList)]))
	}
	if a.DefaultDomain != "" {
		l.put(wire.NewCPText(wire.UNITY_DEF_DOMAIN, a.DefaultDomain))
	}
	if a.Banner != "" {
		l.put(wire.NewCPText(wire.UNITY_BANNER, a.Banner))
	}
	if gws, err := wire.NewCPBackupServers(a.BackupGateways[:min(len(a.BackupGateways), maxUnityList)]); err == nil {
		*l = append(*l, gws...)
	}
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
// address in) and the client's assigned addresses. With split networks,
// DNS and NBNS servers they do not cover are added as host selectors:
// the client is told to use them, so it must be able to reach them
// through the tunnel.
func AllowedSelectors(a Attributes, l Lease) Narrowing {
	var n Narrowing
	for _, addr := range []netip.Addr{l.IP4, l.IP6} {
		if addr.IsValid() {
			n.Remote = append(n.Remote, hostSelector(addr))
		}
	}
	if len(a.SplitNetworks) > 0 {
		for _, p := range a.SplitNetworks {
			n.Local = append(n.Local, wire.SelectorFromPrefix(p))
		}
		for _, s := range slices.Concat(a.DNS, a.NBNS) {
			if !coveredBy(s, a.SplitNetworks) {
				n.Local = append(n.Local, hostSelector(s))
			}
		}
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

func hostSelector(a netip.Addr) wire.TrafficSelector {
	return wire.SelectorFromPrefix(netip.PrefixFrom(a, a.BitLen()))
}

func coveredBy(a netip.Addr, nets []netip.Prefix) bool {
	for _, p := range nets {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
