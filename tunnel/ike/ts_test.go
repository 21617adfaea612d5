package ike

import (
	"net/netip"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

func sel(from, to string, lo, hi uint16, proto uint8) wire.TrafficSelector {
	s, e := netip.MustParseAddr(from), netip.MustParseAddr(to)
	t := wire.TSIPv4AddrRange
	if s.Is6() {
		t = wire.TSIPv6AddrRange
	}
	return wire.TrafficSelector{Type: t, IPProto: proto, StartPort: lo, EndPort: hi, Start: s, End: e}
}

func TestNarrow(t *testing.T) {
	all4 := sel("0.0.0.0", "255.255.255.255", 0, 65535, 0)
	lan := sel("10.1.0.0", "10.1.255.255", 0, 65535, 0)
	host := sel("10.1.2.3", "10.1.2.3", 0, 65535, 0)
	web := sel("10.1.0.0", "10.1.255.255", 443, 443, 6)
	tests := []struct {
		name          string
		offered, ours []wire.TrafficSelector
		want          []wire.TrafficSelector
	}{
		{"everything narrowed to our LAN", []wire.TrafficSelector{all4}, []wire.TrafficSelector{lan}, []wire.TrafficSelector{lan}},
		{"host inside LAN kept", []wire.TrafficSelector{host}, []wire.TrafficSelector{lan}, []wire.TrafficSelector{host}},
		{"ports and protocol narrowed", []wire.TrafficSelector{all4}, []wire.TrafficSelector{web}, []wire.TrafficSelector{web}},
		{"disjoint", []wire.TrafficSelector{sel("192.0.2.0", "192.0.2.255", 0, 65535, 0)}, []wire.TrafficSelector{lan}, nil},
		{"family mismatch", []wire.TrafficSelector{sel("::", "ffff::", 0, 65535, 0)}, []wire.TrafficSelector{lan}, nil},
		{"protocol mismatch", []wire.TrafficSelector{sel("10.1.0.0", "10.1.0.255", 0, 65535, 17)}, []wire.TrafficSelector{web}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := narrow(tc.offered, tc.ours)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if !sameSelector(got[i], tc.want[i]) {
					t.Fatalf("got %v, want %v", got[i], tc.want[i])
				}
			}
		})
	}
}

func sameSelector(a, b wire.TrafficSelector) bool {
	return a.Type == b.Type && a.IPProto == b.IPProto && a.StartPort == b.StartPort && a.EndPort == b.EndPort && a.Start == b.Start && a.End == b.End
}
