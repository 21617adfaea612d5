package server

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

func TestEnginePSK(t *testing.T) {
	key := func(s string) PSK { return PSK{Local: []byte(s), Remote: []byte(s)} }
	pattern := func(s string) IdentityPattern {
		p, err := ParseIdentityPattern(s)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name  string
		peers []KeyringPeer
		want  string // "" = none
	}{
		{"empty", nil, ""},
		{"catch-all among others", []KeyringPeer{
			{Name: "lab", Address: netip.MustParsePrefix("198.51.100.0/24"), Key: key("lab")},
			{Name: "any", Address: netip.MustParsePrefix("0.0.0.0/0"), Key: key("any")},
		}, "any"},
		{"only entry by address", []KeyringPeer{{Name: "lab", Address: netip.MustParsePrefix("198.51.100.0/24"), Key: key("lab")}}, "lab"},
		{"only entry by identity", []KeyringPeer{{Name: "br", Identity: pattern("fqdn:*.branch.example.com"), Key: key("br")}}, "br"},
		{"several without catch-all", []KeyringPeer{
			{Name: "lab", Address: netip.MustParsePrefix("198.51.100.0/24"), Key: key("lab")},
			{Name: "br", Identity: pattern("fqdn:*.branch.example.com"), Key: key("br")},
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := NewKeyring(tc.peers)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := k.EnginePSK()
			if ok != (tc.want != "") || string(got.Local) != tc.want {
				t.Fatalf("EnginePSK = %q, %v; want %q", got.Local, ok, tc.want)
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
	k, err := NewKeyring([]KeyringPeer{
		{Name: "a", Address: netip.MustParsePrefix("198.51.100.0/24"), Key: PSK{Local: []byte("a"), Remote: []byte("a")}},
		{Name: "b", Address: netip.MustParsePrefix("192.0.2.0/24"), Key: PSK{Local: []byte("b"), Remote: []byte("b")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := idleServer()
	cfg := &Config{LocalID: Identity{Type: wire.IDFQDN, Data: []byte("gw.example.com")}, Keyring: k, Authorizer: &Authorizer{}}
	if _, err := s.engineConfig(cfg, Credentials{}); err == nil || !strings.Contains(err.Error(), "0.0.0.0/0") {
		t.Fatalf("engineConfig without certificate or catch-all PSK: %v", err)
	}
	k, _ = NewKeyring([]KeyringPeer{{Name: "any", Address: netip.MustParsePrefix("0.0.0.0/0"), Key: PSK{Local: []byte("l"), Remote: []byte("r")}}})
	cfg.Keyring = k
	ec, err := s.engineConfig(cfg, Credentials{})
	if err != nil || string(ec.LocalPSK) != "l" || string(ec.RemotePSK) != "r" || ec.EAPServer != nil {
		t.Fatalf("engineConfig = %+v, %v", ec, err)
	}
}
