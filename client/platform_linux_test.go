package client

import (
	"net/netip"
	"strings"
	"testing"

	"flexvpn/dnsproxy"
	"flexvpn/platform/dnsconfig"
	"flexvpn/platform/router"
)

// TestPlatformApplierReappliesOnNewSession: after a reconnect the TUN
// device is new, so the same desired state must be applied again in
// full (address, routes, rule), not diffed against the dead device's.
func TestPlatformApplierReappliesOnNewSession(t *testing.T) {
	run := &router.RecordingRunner{}
	a := &PlatformApplier{
		Profile: loadProfile(t, ""), Interface: "fv0", MTU: 1400,
		Router: router.New(run), Resolver: &dnsconfig.Fake{}, Proxy: dnsproxy.New(nil, nil),
		ProxyAddr: netip.MustParseAddrPort("127.0.0.54:53"),
	}
	reply := Reply{Addrs: pfx("203.0.113.7/32"), Selectors: pfx("198.51.100.0/24")}
	gw := netip.MustParseAddr("192.0.2.1")
	const addAddr = "ip -4 addr replace 203.0.113.7/32 dev fv0"
	const addRoute = "ip -4 route replace 198.51.100.0/24 dev fv0 table 5300"
	for session := 1; session <= 2; session++ {
		if err := a.Apply(gw, reply); err != nil {
			t.Fatal(err)
		}
		all := strings.Join(run.Commands, "\n")
		if n := strings.Count(all, addAddr); n != session {
			t.Errorf("after session %d the address was added %d times:\n%s", session, n, all)
		}
		if n := strings.Count(all, addRoute); n != session {
			t.Errorf("after session %d the LAN route was added %d times:\n%s", session, n, all)
		}
	}
	if err := a.Clear(); err != nil {
		t.Fatal(err)
	}
	if last := run.Commands[len(run.Commands)-1]; !strings.Contains(last, "addr del 203.0.113.7/32") {
		t.Errorf("Clear did not remove the address last: %q", last)
	}
}
