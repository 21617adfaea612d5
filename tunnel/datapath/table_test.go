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

	before := d.tables.Load()
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
	check := func(tb *tables) {
		t.Helper()
		for _, tt := range tests {
			r := tb.lookupOut(netip.MustParseAddr(tt.dst))
			got := 0
			if r != nil {
				got = r.sa.(nullSealer).id
			}
			if got != tt.want {
				t.Errorf("lookup %s = route %d, want %d", tt.dst, got, tt.want)
			}
		}
	}
	check(before)

	d.RemoveOutbound(pfx("203.0.113.7/32", "0.0.0.0/0"))
	after := d.tables.Load()
	if r := after.lookupOut(netip.MustParseAddr("203.0.113.7")); r == nil || r.sa.(nullSealer).id != 5 {
		t.Error("after removing the /32 the /24 should match")
	}
	if r := after.lookupOut(netip.MustParseAddr("192.0.2.1")); r != nil {
		t.Error("after removing the default route nothing should match 192.0.2.1")
	}
	check(before) // the old snapshot is immutable: readers holding it see no change
	if len(after.peers) != 1 {
		t.Errorf("%d peers for one remote", len(after.peers))
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
	r := d.tables.Load().in[0x2001]
	if r == nil || !r.permits(serverLAN) || r.permits(clientInner) {
		t.Fatalf("inbound route %+v: policy wrong", r)
	}
	d.RemoveInbound(0x2001)
	if d.tables.Load().in[0x2001] != nil {
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
