package datapath

import (
	"net/netip"
	"testing"

	"flexvpn/platform/tunif/tunfake"
)

// newTestDevice is a Device on loopback with a fake TUN and no keepalives.
func newTestDevice(t testing.TB, tunCfg tunfake.Config, cfg Config) (*Device, *tunfake.TUN) {
	t.Helper()
	fake := tunfake.New(tunCfg)
	cfg.TUN = fake
	if !cfg.ListenNATT.IsValid() {
		cfg.ListenNATT = netip.MustParseAddrPort("127.0.0.1:0")
	}
	if cfg.Keepalive == 0 {
		cfg.Keepalive = -1
	}
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d, fake
}

// nullSealer marks which route a lookup found.
type nullSealer struct{ id int }

func (nullSealer) Seal([]byte, int, int, byte) (int, int, error) { return 0, 0, nil }

func TestOutboundLookup(t *testing.T) {
	d, _ := newTestDevice(t, tunfake.Config{}, Config{})
	remote := netip.MustParseAddrPort("127.0.0.1:4500")
	pfx := func(s ...string) (ps []netip.Prefix) {
		for _, x := range s {
			ps = append(ps, netip.MustParsePrefix(x))
		}
		return ps
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(d.SetOutbound(pfx("0.0.0.0/0"), nullSealer{1}, remote))
	must(d.SetOutbound(pfx("203.0.113.0/24", "198.51.100.0/25"), nullSealer{2}, remote))
	must(d.SetOutbound(pfx("203.0.113.7/32"), nullSealer{3}, remote))
	must(d.SetOutbound(pfx("2001:db8::/32"), nullSealer{4}, remote))
	must(d.SetOutbound(pfx("203.0.113.9/24"), nullSealer{5}, remote)) // unmasked: replaces 203.0.113.0/24

	tests := []struct {
		dst  string
		want int
	}{
		{"192.0.2.1", 1},
		{"203.0.113.7", 3},
		{"203.0.113.8", 5},
		{"198.51.100.127", 2},
		{"198.51.100.128", 1},
		{"2001:db8:5::1", 4},
		{"2001:db9::1", 0},
	}
	for _, tt := range tests {
		if got := routeID(d.tables.lookupOut(netip.MustParseAddr(tt.dst))); got != tt.want {
			t.Errorf("lookup %s = route %d, want %d", tt.dst, got, tt.want)
		}
	}
	if n := countPeers(d); n != 1 {
		t.Errorf("%d peers for one remote", n)
	}

	d.RemoveOutbound(pfx("203.0.113.7/32", "0.0.0.0/0"))
	if got := routeID(d.tables.lookupOut(netip.MustParseAddr("203.0.113.7"))); got != 5 {
		t.Errorf("after removing the /32, 203.0.113.7 takes route %d, want the /24's 5", got)
	}
	if r := d.tables.lookupOut(netip.MustParseAddr("192.0.2.1")); r != nil {
		t.Error("after removing the default route nothing should match 192.0.2.1")
	}
}

// routeID is the nullSealer id of r, 0 for none.
func routeID(r *outRoute) int {
	if r == nil {
		return 0
	}
	return r.sa.(nullSealer).id
}

func countPeers(d *Device) (n int) {
	for range d.tables.allPeers() {
		n++
	}
	return n
}

// TestPeersFollowRoutes checks that keepalives go exactly to the remotes
// some outbound entry uses, however routes are replaced and removed.
func TestPeersFollowRoutes(t *testing.T) {
	d, _ := newTestDevice(t, tunfake.Config{}, Config{})
	r1, r2 := netip.MustParseAddrPort("192.0.2.1:4500"), netip.MustParseAddrPort("192.0.2.2:4500")
	a, b := []netip.Prefix{netip.MustParsePrefix("10.0.0.1/32")}, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	must(t, d.SetOutbound(a, nullSealer{1}, r1))
	must(t, d.SetOutbound(b, nullSealer{2}, r1))
	p := d.tables.peer(flow{dst: r1})
	if p == nil || countPeers(d) != 1 {
		t.Fatalf("two routes to one remote: peer %v, %d peers", p, countPeers(d))
	}
	must(t, d.SetOutbound(a, nullSealer{3}, r1)) // a rekey keeps the peer and its timing
	if d.tables.peer(flow{dst: r1}) != p {
		t.Error("replacing a route to the same remote replaced its peer")
	}
	must(t, d.SetOutbound(a, nullSealer{4}, r2))
	if countPeers(d) != 2 {
		t.Errorf("%d peers for two remotes", countPeers(d))
	}
	d.RemoveOutbound(b)
	if d.tables.peer(flow{dst: r1}) != nil || countPeers(d) != 1 {
		t.Errorf("remote 1 has no route left but is still a peer (%d peers)", countPeers(d))
	}
	d.RemoveOutbound(a)
	d.RemoveOutbound(a) // removing what is gone is harmless
	if countPeers(d) != 0 {
		t.Errorf("%d peers with no routes", countPeers(d))
	}
	must(t, d.SetOutbound(nil, nullSealer{5}, r1))
	if countPeers(d) != 0 {
		t.Error("an empty SetOutbound left a peer with no route")
	}
}

func TestInboundTable(t *testing.T) {
	d, _ := newTestDevice(t, tunfake.Config{}, Config{})
	_, in := saPair(t, gcmConfig(0x2001, 1))
	if err := d.AddInbound(0x2001, in, []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}); err != nil {
		t.Fatal(err)
	}
	if err := d.AddInbound(7, in, nil); err == nil {
		t.Error("reserved SPI 7 accepted")
	}
	if err := d.AddInbound(0x2002, nil, nil); err == nil {
		t.Error("nil SA accepted")
	}
	r := d.tables.lookupIn(0x2001)
	if r == nil || !r.permits(serverLAN) || r.permits(clientInner) {
		t.Fatalf("inbound route %+v: policy wrong", r)
	}
	d.RemoveInbound(0x2001)
	if d.tables.lookupIn(0x2001) != nil {
		t.Error("RemoveInbound left the SA")
	}
}

func TestSetOutboundRejectsV6RemoteOnV4Socket(t *testing.T) {
	d, _ := newTestDevice(t, tunfake.Config{}, Config{})
	err := d.SetOutbound([]netip.Prefix{netip.MustParsePrefix("::/0")}, nullSealer{}, netip.MustParseAddrPort("[2001:db8::1]:4500"))
	if err == nil {
		t.Fatal("an IPv6 remote on an IPv4 socket was accepted")
	}
}
