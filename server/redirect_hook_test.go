package server

import (
	"net/netip"
	"testing"

	"flexvpn/tunnel/ike"
	"flexvpn/tunnel/ike/wire"
)

func TestRedirectHook(t *testing.T) {
	parse := func(src string) *Config {
		cfg, err := Parse("server.toml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	self := []netip.Addr{netip.MustParseAddr("192.0.2.1")}
	remote := netip.MustParseAddrPort("198.51.100.7:500")
	authed := &ike.PeerInfo{ID: ike.FQDNIdentity("c.example.com")}

	if h := parse("[redirect]\ngateways = [\"192.0.2.2\"]\n").RedirectHook(self, nil); h != nil {
		t.Fatal("hook while redirect is off")
	}
	onInit := parse("[redirect]\non = \"init\"\ngateways = [\"192.0.2.1\", \"vpn2.example.com\"]\n").RedirectHook(self, nil)
	if g, ok := onInit(remote, nil); !ok || g.FQDN != "vpn2.example.com" {
		t.Fatalf("init: %v %v", g, ok)
	}
	if _, ok := onInit(remote, authed); ok {
		t.Fatal("init policy redirected in IKE_AUTH")
	}
	// least-sessions needs load keys in a file; the hook only sees loads.
	leastCfg := parse("[redirect]\non = \"auth\"\ngateways = [\"192.0.2.2\", \"192.0.2.3\"]\n")
	leastCfg.RedirectPolicy = RedirectLeastSessions
	auth := leastCfg.
		RedirectHook(self, func() (map[string]GatewayLoad, int) {
			return map[string]GatewayLoad{"192.0.2.2": {Sessions: 9}, "192.0.2.3": {Sessions: 4}}, 5
		})
	if _, ok := auth(remote, nil); ok {
		t.Fatal("auth policy redirected in IKE_SA_INIT")
	}
	if g, ok := auth(remote, authed); !ok || g.Addr != netip.MustParseAddr("192.0.2.3") {
		t.Fatalf("auth: %v %v", g, ok)
	}
	// A client 192.0.2.2 sent here is never sent back: the static policy
	// takes the next gateway instead of its first choice.
	static := parse("[redirect]\non = \"auth\"\ngateways = [\"192.0.2.2\", \"192.0.2.3\"]\n").RedirectHook(self, nil)
	from := wire.GatewayID{Addr: netip.MustParseAddr("192.0.2.2")}
	redirected := &ike.PeerInfo{ID: authed.ID, RedirectedFrom: &from}
	if g, ok := static(remote, authed); !ok || g.Addr != from.Addr {
		t.Fatalf("static: %v %v", g, ok)
	}
	if g, ok := static(remote, redirected); !ok || g.Addr != netip.MustParseAddr("192.0.2.3") {
		t.Fatalf("static for a client from %v: %v %v", from, g, ok)
	}
}

// TestRedirectInitHookSkipsOrigin: in IKE_SA_INIT the static policy
// sends a fresh client to its first choice, but a client that first
// gateway redirected here goes to the second one instead.
func TestRedirectInitHookSkipsOrigin(t *testing.T) {
	cfg, err := Parse("server.toml", []byte("[redirect]\non = \"init\"\ngateways = [\"192.0.2.2\", \"192.0.2.3\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	self := []netip.Addr{netip.MustParseAddr("192.0.2.1")}
	remote := netip.MustParseAddrPort("198.51.100.7:500")
	h := cfg.RedirectInitHook(self, nil)
	if h == nil {
		t.Fatal("no IKE_SA_INIT hook with on = \"init\"")
	}
	first, second := netip.MustParseAddr("192.0.2.2"), netip.MustParseAddr("192.0.2.3")
	if g, ok := h(remote, nil); !ok || g.Addr != first {
		t.Fatalf("fresh client: %v %v", g, ok)
	}
	from := wire.GatewayID{Addr: first}
	if g, ok := h(remote, &from); !ok || g.Addr != second {
		t.Fatalf("client from %v: %v %v", first, g, ok)
	}
	auth, err := Parse("server.toml", []byte("[redirect]\non = \"auth\"\ngateways = [\"192.0.2.2\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if auth.RedirectInitHook(self, nil) != nil {
		t.Fatal("IKE_SA_INIT hook while redirects happen in IKE_AUTH")
	}
}
