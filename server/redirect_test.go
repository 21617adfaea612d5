package server

import (
	"errors"
	"net/netip"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

func gw(name, addr, fqdn string, extra ...string) RedirectGateway {
	g := RedirectGateway{Name: name}
	if addr != "" {
		g.ID.Addr = netip.MustParseAddr(addr)
	}
	g.ID.FQDN = fqdn
	for _, a := range extra {
		g.Addrs = append(g.Addrs, netip.MustParseAddr(a))
	}
	return g
}

func TestChooseRedirect(t *testing.T) {
	gws := []RedirectGateway{
		gw("self", "192.0.2.1", ""),
		gw("gw2", "192.0.2.2", ""),
		gw("gw3", "", "vpn3.example.com", "192.0.2.3"),
		gw("gw4", "2001:db8::4", ""),
	}
	self := []netip.Addr{netip.MustParseAddr("192.0.2.1")}
	loads := map[string]GatewayLoad{
		"gw2": {Sessions: 40},
		"gw3": {Sessions: 10},
		"gw4": {Sessions: 10, Capacity: 50},
	}
	tests := []struct {
		name   string
		policy RedirectPolicy
		from   wire.GatewayID
		loads  map[string]GatewayLoad
		own    int
		want   string // "" = stay
	}{
		{"static first skipping self", RedirectStatic, wire.GatewayID{}, nil, 0, "gw2"},
		{"static never back to origin", RedirectStatic, wire.GatewayID{Addr: netip.MustParseAddr("192.0.2.2")}, nil, 0, "gw3"},
		{"origin by resolved address", RedirectLeastSessions, wire.GatewayID{Addr: netip.MustParseAddr("192.0.2.3")}, loads, 100, "gw4"},
		{"origin by name", RedirectLeastSessions, wire.GatewayID{FQDN: "VPN3.example.com"}, loads, 100, "gw4"},
		{"least sessions, tie keeps order", RedirectLeastSessions, wire.GatewayID{}, loads, 100, "gw3"},
		{"least sessions stays when we are least", RedirectLeastSessions, wire.GatewayID{}, loads, 10, ""},
		{"full gateway skipped", RedirectLeastSessions, wire.GatewayID{}, map[string]GatewayLoad{
			"gw2": {Sessions: 30}, "gw3": {Sessions: 5, Capacity: 5}}, 100, "gw2"},
		{"no reports, no least-sessions target", RedirectLeastSessions, wire.GatewayID{}, nil, 100, ""},
		{"self load ignored", RedirectLeastSessions, wire.GatewayID{}, map[string]GatewayLoad{"self": {Sessions: 0}}, 100, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := ChooseRedirect(RedirectInput{Policy: tt.policy, Gateways: gws, Self: self,
				From: tt.from, Loads: tt.loads, OwnSessions: tt.own})
			if tt.want == "" {
				if !errors.Is(err, ErrNoRedirectTarget) {
					t.Fatalf("got %q, %v; want stay", g.Name, err)
				}
				return
			}
			if err != nil || g.Name != tt.want {
				t.Fatalf("got %q, %v; want %q", g.Name, err, tt.want)
			}
		})
	}
}

func TestChooseRedirectOnlyOrigin(t *testing.T) {
	gws := []RedirectGateway{gw("gw2", "192.0.2.2", "")}
	_, err := ChooseRedirect(RedirectInput{Policy: RedirectStatic, Gateways: gws,
		From: wire.GatewayID{Addr: netip.MustParseAddr("::ffff:192.0.2.2")}})
	if !errors.Is(err, ErrNoRedirectTarget) {
		t.Fatalf("err = %v", err)
	}
}

func TestParseRedirectPolicy(t *testing.T) {
	for s, want := range map[string]RedirectPolicy{"static": RedirectStatic, "least-sessions": RedirectLeastSessions} {
		if p, err := ParseRedirectPolicy(s); err != nil || p != want || p.String() != s {
			t.Errorf("%s: %v %v", s, p, err)
		}
	}
	if _, err := ParseRedirectPolicy("random"); !errors.Is(err, ErrConfig) {
		t.Errorf("random: %v", err)
	}
}
