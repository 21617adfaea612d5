package link

import (
	"net/netip"

	"flexvpn/tunnel/ike/wire"
)

// SelectorPrefixes converts traffic selector address ranges to the
// smallest list of prefixes covering exactly those ranges. Protocol and
// port restrictions are not routing matters and are ignored here.
func SelectorPrefixes(ts []wire.TrafficSelector) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ts {
		if !s.Start.IsValid() || !s.End.IsValid() || s.Start.BitLen() != s.End.BitLen() || s.End.Less(s.Start) {
			continue
		}
		out = append(out, rangePrefixes(s.Start, s.End)...)
	}
	return out
}

// rangePrefixes splits [start, end] into aligned prefixes: at each step
// take the largest prefix that starts at start and does not pass end.
func rangePrefixes(start, end netip.Addr) []netip.Prefix {
	var out []netip.Prefix
	for {
		bits := start.BitLen()
		for bits > 0 {
			p := netip.PrefixFrom(start, bits-1)
			if p.Masked().Addr() != start || lastAddr(p).Compare(end) > 0 {
				break
			}
			bits--
		}
		p := netip.PrefixFrom(start, bits)
		out = append(out, p)
		last := lastAddr(p)
		if last.Compare(end) >= 0 {
			return out
		}
		start = last.Next()
	}
}

// lastAddr is the highest address in p.
func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(a)*8; i++ {
		a[i/8] |= 0x80 >> (i % 8)
	}
	addr, _ := netip.AddrFromSlice(a)
	return addr
}
