package server

import "net/netip"

// Attributes are the authorization attributes of one source (a local user,
// a group, the cached attributes an EAP backend returned, or the
// config-mode defaults) or the merged result. They are the local form of
// the seed's Cisco AV pairs (notes ch.12): a zero field is "not set by this
// source", so that merging can fall through to a lower-precedence source.
// A list set to an empty, non-nil slice is set to nothing: it overrides a
// lower source's list with an empty one. Lists replace as a whole; they are
// never concatenated (the seed is silent; replacing keeps a user's split
// networks from silently widening a group's).
type Attributes struct {
	FramedIP4 netip.Addr // Framed-IP-Address: this client's fixed IPv4 address
	FramedIP6 netip.Addr // the fixed IPv6 address (ipsec:addrv6)
	Netmask   netip.Addr // Framed-IP-Netmask; sent only with an IPv4 address
	Pool4     string     // IPv4 pool name (Framed-Pool / ipsec:addr-pool)
	Pool6     string     // IPv6 pool name (ipsec:ipv6-addr-pool)

	DNS            []netip.Addr   // DNS servers, IPv4 and IPv6
	NBNS           []netip.Addr   // WINS servers (IPv4)
	SplitNetworks  []netip.Prefix // networks the client may reach; nil/empty = everything
	SplitDNS       []string       // domains resolved through the tunnel DNS
	DefaultDomain  string
	Banner         string
	BackupGateways []string // addresses or FQDNs, in preference order
}

// Merge returns hi with every unset field taken from lo.
func Merge(hi, lo Attributes) Attributes {
	out := hi
	out.FramedIP4 = orAddr(hi.FramedIP4, lo.FramedIP4)
	out.FramedIP6 = orAddr(hi.FramedIP6, lo.FramedIP6)
	out.Netmask = orAddr(hi.Netmask, lo.Netmask)
	out.Pool4 = orString(hi.Pool4, lo.Pool4)
	out.Pool6 = orString(hi.Pool6, lo.Pool6)
	out.DNS = orSlice(hi.DNS, lo.DNS)
	out.NBNS = orSlice(hi.NBNS, lo.NBNS)
	out.SplitNetworks = orSlice(hi.SplitNetworks, lo.SplitNetworks)
	out.SplitDNS = orSlice(hi.SplitDNS, lo.SplitDNS)
	out.DefaultDomain = orString(hi.DefaultDomain, lo.DefaultDomain)
	out.Banner = orString(hi.Banner, lo.Banner)
	out.BackupGateways = orSlice(hi.BackupGateways, lo.BackupGateways)
	return out
}

// MergeAuthorization applies the seed's precedence (notes ch.4 §3, seed
// L1602-1606): user attributes beat cached attributes; the merged user
// attributes beat group attributes unless groupOverride is set, in which
// case the group wins. Defaults (the [config_mode] section) fill whatever
// is still unset.
func MergeAuthorization(user, cached, group, defaults Attributes, groupOverride bool) Attributes {
	u := Merge(user, cached)
	var final Attributes
	if groupOverride {
		final = Merge(group, u)
	} else {
		final = Merge(u, group)
	}
	return Merge(final, defaults)
}

func orAddr(a, b netip.Addr) netip.Addr {
	if a.IsValid() {
		return a
	}
	return b
}

func orString(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func orSlice[T any](a, b []T) []T {
	if a != nil {
		return a
	}
	return b
}
