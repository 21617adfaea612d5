package server

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"flexvpn/tunnel/ike"
	"flexvpn/tunnel/ike/wire"
)

// TestPSKFor: the engine's key hook finds the peer's own keyring entry
// by identity, then by address, with no catch-all entry needed.
func TestPSKFor(t *testing.T) {
	key := func(s string) PSK { return PSK{Local: []byte(s + "-l"), Remote: []byte(s + "-r")} }
	pattern := func(s string) IdentityPattern {
		p, err := ParseIdentityPattern(s)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	k, err := NewKeyring([]KeyringPeer{
		{Name: "lab", Address: netip.MustParsePrefix("198.51.100.0/24"), Key: key("lab")},
		{Name: "br", Identity: pattern("fqdn:*.branch.example.com"), Key: key("br")},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := idleServer()
	s.cfg.Store(&Config{Keyring: k, Authorizer: &Authorizer{}})
	for _, tc := range []struct {
		name string
		id   ike.Identity
		addr string
		want string // local key, "" = none
	}{
		{"by identity", ike.FQDNIdentity("a.branch.example.com"), "192.0.2.7", "br"},
		{"identity beats address", ike.FQDNIdentity("a.branch.example.com"), "198.51.100.7", "br"},
		{"by address", ike.EmailIdentity("alice@example.com"), "198.51.100.7", "lab"},
		{"unknown peer", ike.EmailIdentity("alice@example.com"), "192.0.2.7", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pi := ike.PeerInfo{ID: tc.id, Remote: netip.AddrPortFrom(netip.MustParseAddr(tc.addr), 4500)}
			wantL, wantR := "", ""
			if tc.want != "" {
				wantL, wantR = tc.want+"-l", tc.want+"-r"
			}
			l, r, err := s.pskFor(pi)
			if err != nil || string(l) != wantL || string(r) != wantR {
				t.Fatalf("pskFor = %q, %q, %v; want %s", l, r, err, tc.want)
			}
		})
	}
}

func TestReachable(t *testing.T) {
	lan := netip.MustParsePrefix("198.51.100.0/24")
	lab := netip.MustParsePrefix("198.51.100.128/25")
	split := func(p ...netip.Prefix) Attributes { return Attributes{SplitNetworks: p} }
	for _, tc := range []struct {
		name string
		a    Authorizer
		want string
	}{
		{"split defaults", Authorizer{Defaults: split(lan)}, "[198.51.100.0/24]"},
		{"group adds a network", Authorizer{Defaults: split(lan),
			Groups: map[string]*Group{"g": {Attributes: split(lan, lab)}}}, "[198.51.100.0/24 198.51.100.128/25]"},
		{"a user inherits the defaults", Authorizer{Defaults: split(lan),
			Users: map[string]*User{"u": {Attributes: Attributes{}}}}, "[198.51.100.0/24]"},
		{"no split at all", Authorizer{}, "[0.0.0.0/0 ::/0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []netip.Prefix
			for _, ts := range tc.a.reachable() {
				got = append(got, selectorPrefix(t, ts))
			}
			if fmt.Sprint(got) != tc.want {
				t.Fatalf("reachable = %v, want %s", got, tc.want)
			}
		})
	}
}

func selectorPrefix(t *testing.T, ts wire.TrafficSelector) netip.Prefix {
	t.Helper()
	for bits := 0; bits <= ts.Start.BitLen(); bits++ {
		p := netip.PrefixFrom(ts.Start, bits)
		if p.Masked().Addr() == ts.Start && lastAddr(p) == ts.End {
			return p
		}
	}
	t.Fatalf("selector %v is not a prefix", ts)
	return netip.Prefix{}
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func TestClampSelectors(t *testing.T) {
	all := []wire.TrafficSelector{wire.SelectorFromPrefix(netip.MustParsePrefix("0.0.0.0/0"))}
	host := netip.MustParsePrefix("203.0.113.7/32")
	behind := netip.MustParsePrefix("192.0.2.64/26")
	for _, tc := range []struct {
		name    string
		offered []wire.TrafficSelector
		allowed []netip.Prefix
		want    string
	}{
		{"everything offered: only what is allowed", all, []netip.Prefix{host, behind}, "[203.0.113.7/32 192.0.2.64/26]"},
		{"offered only the host", []wire.TrafficSelector{wire.SelectorFromPrefix(host)}, []netip.Prefix{host, behind}, "[203.0.113.7/32]"},
		{"offered something else", []wire.TrafficSelector{wire.SelectorFromPrefix(netip.MustParsePrefix("198.51.100.0/24"))}, []netip.Prefix{host}, "[]"},
		{"nothing allowed", all, nil, "[]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []netip.Prefix
			for _, ts := range clampSelectors(tc.offered, tc.allowed) {
				got = append(got, selectorPrefix(t, ts))
			}
			if fmt.Sprint(got) != tc.want {
				t.Fatalf("clamp = %v, want %s", got, tc.want)
			}
		})
	}
}

func TestTUNRoutes(t *testing.T) {
	p4, err := NewPool("lan", netip.MustParsePrefix("203.0.113.0/24"), netip.MustParseAddr("203.0.113.1"), nil)
	if err != nil {
		t.Fatal(err)
	}
	p6, err := NewPool("lan6", netip.MustParsePrefix("2001:db8:200::/120"), netip.Addr{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rc := TUNRoutes(&Config{Pools: Pools{"lan": p4, "lan6": p6}})
	if fmt.Sprint(rc.Addrs) != "[203.0.113.1/32]" || fmt.Sprint(rc.Routes) != "[203.0.113.0/24 2001:db8:200::/120]" {
		t.Fatalf("TUNRoutes = %+v", rc)
	}
}

func TestRestartOnly(t *testing.T) {
	a := &Config{Listen: []netip.Addr{netip.MustParseAddr("192.0.2.1")}, Authorizer: &Authorizer{}, DPDInterval: 30e9}
	b := *a
	if got := restartOnly(a, &b); len(got) != 0 {
		t.Fatalf("same config needs restart for %v", got)
	}
	b.DPDInterval = 10e9
	b.Listen = []netip.Addr{netip.MustParseAddr("192.0.2.2")}
	if got := fmt.Sprint(restartOnly(a, &b)); got != "[server.listen server.dpd_interval]" {
		t.Fatalf("restartOnly = %s", got)
	}
}

func TestEngineConfigNeedsLocalAuth(t *testing.T) {
	s := idleServer()
	cfg := &Config{LocalID: Identity{Type: wire.IDFQDN, Data: []byte("gw.example.com")}, Authorizer: &Authorizer{}}
	if _, err := s.engineConfig(cfg, Credentials{}); err == nil || !strings.Contains(err.Error(), "[keyring]") {
		t.Fatalf("engineConfig without certificate or keyring: %v", err)
	}
	// Several entries and no catch-all: the engine asks per peer.
	k, err := NewKeyring([]KeyringPeer{
		{Name: "a", Address: netip.MustParsePrefix("198.51.100.0/24"), Key: PSK{Local: []byte("a"), Remote: []byte("a")}},
		{Name: "b", Address: netip.MustParsePrefix("192.0.2.0/24"), Key: PSK{Local: []byte("b"), Remote: []byte("b")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Keyring = k
	ec, err := s.engineConfig(cfg, Credentials{})
	if err != nil || ec.PSKFor == nil || ec.PSK != nil || ec.LocalPSK != nil || ec.EAPServer != nil {
		t.Fatalf("engineConfig = %+v, %v", ec, err)
	}
}
