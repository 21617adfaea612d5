package client

import (
	"net/netip"
	"slices"
	"strings"

	"flexvpn/client/profile"
	"flexvpn/dnsproxy"
	"flexvpn/platform/router"
)

// Reply is what the gateway pushed in its configuration reply, parsed.
type Reply struct {
	Addrs         []netip.Prefix // assigned addresses (prefix = netmask given, if any)
	DNS           []netip.Addr
	NBNS          []netip.Addr
	Subnets       []netip.Prefix // INTERNAL_IP4/6_SUBNET and UNITY_SPLIT_INCLUDE
	LocalLAN      []netip.Prefix // UNITY_LOCAL_LAN: keep off the tunnel
	DNSDomains    []string       // INTERNAL_DNS_DOMAIN and UNITY_SPLITDNS_NAME
	DefaultDomain string
	Banner        string
	BackupServers []string
	AppVersion    string
	// Selectors are the first Child SA's remote traffic selectors as
	// prefixes: what the gateway agreed to carry. Empty means unknown
	// (no narrowing).
	Selectors []netip.Prefix
}

// Desired is the system state a connected tunnel asks for.
type Desired struct {
	Router router.Config
	DNS    []dnsproxy.Route
}

// ComputeDesired turns a profile and the gateway's reply into the desired
// routes, addresses and DNS routes. It is pure: the platform applies the
// result idempotently. gateway is the outer address of the gateway (kept
// off the tunnel); saved are the resolvers the system had before.
func ComputeDesired(p *profile.Profile, iface string, mtu int, gateway netip.Addr, r Reply, saved []netip.AddrPort) Desired {
	cfg := router.Config{Interface: iface, MTU: mtu}
	for _, a := range r.Addrs {
		cfg.Addrs = append(cfg.Addrs, netip.PrefixFrom(a.Addr(), a.Addr().BitLen()))
	}
	cfg.Routes = tunnelRoutes(p, r)
	cfg.Exclude = exclusions(p, r, gateway, cfg.Routes)
	return Desired{Router: cfg, DNS: dnsRoutes(p, r, saved)}
}

// tunnelRoutes: pushed networks filtered by the profile's accept list; no
// pushed network means a full tunnel for each family we have an address in.
// Either way only what the Child SA's traffic selectors cover is routed:
// the gateway drops anything else, so routing it into the tunnel would
// blackhole it (a gateway that narrows TSr to its LAN and pushes no
// routes would otherwise take the client's whole Internet down).
func tunnelRoutes(p *profile.Profile, r Reply) []netip.Prefix {
	routes := requestedRoutes(p, r)
	if len(r.Selectors) == 0 {
		return routes
	}
	return compactPrefixes(intersectPrefixes(routes, r.Selectors))
}

// requestedRoutes is what the CP reply and the profile ask for.
func requestedRoutes(p *profile.Profile, r Reply) []netip.Prefix {
	if len(r.Subnets) == 0 {
		var out []netip.Prefix
		if hasFamily(r.Addrs, true) {
			out = append(out, netip.MustParsePrefix("0.0.0.0/0"))
		}
		if hasFamily(r.Addrs, false) {
			out = append(out, netip.MustParsePrefix("::/0"))
		}
		return out
	}
	accept := p.Routes.AcceptPrefixes()
	var out []netip.Prefix
	for _, s := range r.Subnets {
		s = s.Masked()
		if len(accept) == 0 || coveredBy(s, accept) {
			out = append(out, s)
		}
	}
	return compactPrefixes(out)
}

// exclusions keeps LOCAL_LAN, the profile's excludes and the gateway itself
// off the tunnel, but only where a tunnel route would otherwise take them.
func exclusions(p *profile.Profile, r Reply, gateway netip.Addr, routes []netip.Prefix) []netip.Prefix {
	var candidates []netip.Prefix
	candidates = append(candidates, r.LocalLAN...)
	candidates = append(candidates, p.Routes.ExcludePrefixes()...)
	if gateway.IsValid() {
		candidates = append(candidates, netip.PrefixFrom(gateway, gateway.BitLen()))
	}
	var out []netip.Prefix
	for _, c := range candidates {
		c = c.Masked()
		if overlapsAny(c, routes) {
			out = append(out, c)
		}
	}
	return compactPrefixes(out)
}

// dnsRoutes: pushed domains go to the tunnel's servers, the rest to the
// saved resolvers. Without pushed domains (or with split DNS off) every
// query goes to the tunnel's servers, as the gateway asked.
func dnsRoutes(p *profile.Profile, r Reply, saved []netip.AddrPort) []dnsproxy.Route {
	var tunnel []netip.AddrPort
	for _, a := range r.DNS {
		tunnel = append(tunnel, netip.AddrPortFrom(a, 53))
	}
	fallback := dnsproxy.Route{Suffix: ".", Upstreams: saved}
	if len(tunnel) == 0 {
		if len(saved) == 0 {
			return nil
		}
		return []dnsproxy.Route{fallback}
	}
	if len(r.DNSDomains) == 0 || !p.DNS.SplitDNS() || len(saved) == 0 {
		return []dnsproxy.Route{{Suffix: ".", Upstreams: tunnel}}
	}
	routes := []dnsproxy.Route{fallback}
	seen := map[string]bool{}
	for _, d := range r.DNSDomains {
		d = strings.ToLower(strings.Trim(strings.TrimSpace(d), "."))
		if d == "" || seen[d] {
			continue
		}
		seen[d] = true
		routes = append(routes, dnsproxy.Route{Suffix: d, Upstreams: tunnel})
	}
	return routes
}

// intersectPrefixes returns the parts of a that b also covers. Two
// prefixes overlap only if one contains the other, so each overlap is the
// longer of the two.
func intersectPrefixes(a, b []netip.Prefix) []netip.Prefix {
	var out []netip.Prefix
	for _, x := range a {
		for _, y := range b {
			y = y.Masked()
			if !x.Overlaps(y) {
				continue
			}
			if y.Bits() > x.Bits() {
				out = append(out, y)
			} else {
				out = append(out, x)
			}
		}
	}
	return out
}

func hasFamily(ps []netip.Prefix, v4 bool) bool {
	for _, p := range ps {
		if p.Addr().Is4() == v4 {
			return true
		}
	}
	return false
}

func coveredBy(s netip.Prefix, by []netip.Prefix) bool {
	for _, b := range by {
		if b.Bits() <= s.Bits() && b.Contains(s.Addr()) {
			return true
		}
	}
	return false
}

func overlapsAny(s netip.Prefix, set []netip.Prefix) bool {
	for _, b := range set {
		if b.Overlaps(s) {
			return true
		}
	}
	return false
}

// compactPrefixes sorts and removes duplicates.
func compactPrefixes(ps []netip.Prefix) []netip.Prefix {
	slices.SortFunc(ps, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return a.Bits() - b.Bits()
	})
	return slices.Compact(ps)
}
