package netns

import (
	"net/netip"
	"strconv"
)

// IPv6 documentation ranges (RFC 3849) mirroring the IPv4 plan.
var (
	// Inet6Prefix is the IPv6 "internet" segment.
	Inet6Prefix = netip.MustParsePrefix("2001:db8::/64")
	// LAN6Prefix is the IPv6 segment behind a gateway.
	LAN6Prefix = netip.MustParsePrefix("2001:db8:0:100::/64")
	// LAN6Gateway is the gateway's own IPv6 address on its LAN.
	LAN6Gateway = netip.MustParseAddr("2001:db8:0:100::1")
)

// DualStack makes every host added afterwards dual-stack: it gets
// Addr6 in Inet6Prefix (hosts) or LAN6Prefix (LAN hosts) whose last
// group reads like the IPv4 address's last byte (192.0.2.10 →
// 2001:db8::10); a gateway's LAN gets LAN6Gateway, IPv6 forwarding and
// an IPv6 default route for its LAN hosts. Call it right after
// NewTopology. Duplicate address detection is skipped so the addresses
// are usable at once.
func (tp *Topology) DualStack() { tp.v6 = true }

// mapV6 puts the last byte of v4, written in decimal, at the end of p.
func mapV6(p netip.Prefix, v4 netip.Addr) netip.Addr {
	last := v4.As4()[3]
	a, err := netip.ParseAddr(p.Addr().String() + strconv.Itoa(int(last)))
	if err != nil {
		panic(err) // p ends in "::", so this cannot happen
	}
	return a
}

// addAddr6 assigns a /64 without duplicate address detection.
func (h *Host) addAddr6(dev string, a netip.Addr) {
	h.IP("addr", "add", netip.PrefixFrom(a, 64).String(), "dev", dev, "nodad")
}

// setupLAN6 gives gw's LAN bridge its IPv6 address and forwarding.
func (gw *Host) setupLAN6() {
	gw.addAddr6("lan0", LAN6Gateway)
	gw.mustSysctl("net.ipv6.conf.all.forwarding", "1")
	gw.LANAddr6 = LAN6Gateway
}

// setupHost6 gives a LAN or inet host its IPv6 address (and for LAN
// hosts the default route via the gateway).
func (h *Host) setupHost6(lan bool) {
	if !lan {
		h.Addr6 = mapV6(Inet6Prefix, h.Addr)
		h.addAddr6("eth0", h.Addr6)
		return
	}
	h.Addr6 = mapV6(LAN6Prefix, h.Addr)
	h.addAddr6("eth0", h.Addr6)
	h.IP("-6", "route", "add", "default", "via", LAN6Gateway.String())
}
