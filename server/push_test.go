package server_test

import (
	"context"
	"net/netip"
	"slices"
	"testing"
	"time"

	"flexvpn/platform/tunif/tunfake"
	"flexvpn/tunnel/ike"
	"flexvpn/tunnel/ike/wire"
)

var branchNet = netip.MustParsePrefix("192.0.2.64/26")

func announce(t *testing.T, p netip.Prefix) []wire.CPAttr {
	t.Helper()
	a, err := wire.NewCPIP4Subnet(p)
	if err != nil {
		t.Fatal(err)
	}
	return []wire.CPAttr{a}
}

// TestServerRouterClient: a client that asks for an address and
// announces a network behind it gets both routed to it, and nothing else
// (its selectors offered everything).
func TestServerRouterClient(t *testing.T) {
	s := startServer(t, writeConfig(t, t.TempDir(), pskConfig))
	cfg := pskClient("branch@example.com")
	cfg.ConfigAnnounce = announce(t, branchNet)
	c := mustDial(t, cfg)
	addr := c.Reply().Addrs[0].Addr()
	exchangePackets(t, s, c, addr)
	behind := netip.MustParseAddr("192.0.2.70")
	back := tunfake.UDP4(netip.MustParseAddr("198.51.100.10"), behind, []byte("to the branch"))
	tunfake.InjectUntilReceived(t, s.tun, c.tun.Written(), back, "client TUN (announced network)")

	// A second client's address still reaches the second client: the
	// first one's "everything" selector did not take the whole table.
	c2 := mustDial(t, pskClient("other@example.com"))
	exchangePackets(t, s, c2, c2.Reply().Addrs[0].Addr())
}

// pushClient is a plain initiator that reports its ConfigReply.
func pushClient(t *testing.T, cfg ike.Config) *ike.ConfigReply {
	t.Helper()
	addr := netip.MustParseAddr("127.0.0.1")
	tr, err := ike.ListenUDP(addr, freePort(t), freePort(t))
	if err != nil {
		t.Fatal(err)
	}
	up := make(chan *ike.ConfigReply, 1)
	ikeAddr, nattAddr := tr.LocalAddrs()
	ep, err := ike.NewEndpoint(ike.EndpointConfig{Transport: tr, Local: addr, IKEPort: ikeAddr.Port(), NATTPort: nattAddr.Port(),
		OnEvent: func(ev ike.Event) {
			if ev.Kind == ike.EventUp {
				up <- ev.Config
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	tr.Serve(ep)
	t.Cleanup(func() { ep.Close(); tr.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sa, err := ep.Initiate(context.Background(), cfg, netip.AddrPortFrom(gwAddr, 500))
	if err != nil {
		t.Fatal(err)
	}
	if err := sa.WaitUp(ctx); err != nil {
		t.Fatal(err)
	}
	return <-up
}

// TestServerPushMode: a router client that only announces (CFG_SET) gets
// a CFG_ACK for its accepted network and a session; a client without CP
// gets configuration pushed (CFG_SET) but no address.
func TestServerPushMode(t *testing.T) {
	s := startServer(t, writeConfig(t, t.TempDir(), pskConfig))
	cfg := pskClient("router@example.com")
	cfg.ConfigAnnounce = announce(t, branchNet)
	r := pushClient(t, cfg)
	if r == nil || !slices.Contains(r.Acked, wire.INTERNAL_IP4_SUBNET) {
		t.Fatalf("router client's reply %+v, want INTERNAL_IP4_SUBNET acknowledged", r)
	}
	waitSessions(t, s, 1)

	r = pushClient(t, pskClient("quiet@example.com"))
	if r == nil || !r.Pushed || len(r.Addresses) != 0 || len(r.DNS) != 1 || r.DNS[0] != netip.MustParseAddr("198.51.100.53") {
		t.Fatalf("pushed configuration %+v, want DNS and no address", r)
	}
	waitSessions(t, s, 2)
}

func waitSessions(t *testing.T, s *testServer, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(s.Sessions()) != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions, want %d: %+v", len(s.Sessions()), n, s.Sessions())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
