package link

import (
	"fmt"
	"net/netip"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

func TestSelectorPrefixes(t *testing.T) {
	cases := []struct{ start, end, want string }{
		{"0.0.0.0", "255.255.255.255", "[0.0.0.0/0]"},
		{"198.51.100.0", "198.51.100.255", "[198.51.100.0/24]"},
		{"203.0.113.7", "203.0.113.7", "[203.0.113.7/32]"},
		{"198.51.100.1", "198.51.100.6", "[198.51.100.1/32 198.51.100.2/31 198.51.100.4/31 198.51.100.6/32]"},
		{"::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "[::/0]"},
		{"2001:db8::", "2001:db8::ffff", "[2001:db8::/112]"},
		{"198.51.100.9", "198.51.100.1", "[]"}, // reversed: ignored
	}
	for _, c := range cases {
		ts := []wire.TrafficSelector{{Start: netip.MustParseAddr(c.start), End: netip.MustParseAddr(c.end)}}
		if got := fmt.Sprint(SelectorPrefixes(ts)); got != c.want {
			t.Errorf("%s-%s: got %s, want %s", c.start, c.end, got, c.want)
		}
	}
}

func FuzzSelectorPrefixesCoverExactly(f *testing.F) {
	f.Add(uint32(0xc6336401), uint32(0xc6336406))
	f.Fuzz(func(t *testing.T, a, b uint32) {
		if a > b {
			a, b = b, a
		}
		if b-a > 1<<20 {
			return // keep the exhaustive check cheap
		}
		start := netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)})
		end := netip.AddrFrom4([4]byte{byte(b >> 24), byte(b >> 16), byte(b >> 8), byte(b)})
		ps := rangePrefixes(start, end)
		// Consecutive, non-overlapping, from start to end.
		next := start
		for _, p := range ps {
			if p.Addr() != next {
				t.Fatalf("%v-%v: gap or overlap at %v in %v", start, end, p, ps)
			}
			next = lastAddr(p).Next()
		}
		if lastAddr(ps[len(ps)-1]) != end {
			t.Fatalf("%v-%v: ends at %v", start, end, lastAddr(ps[len(ps)-1]))
		}
		if len(ps) > 64 {
			t.Fatalf("%d prefixes for one range", len(ps))
		}
	})
}
