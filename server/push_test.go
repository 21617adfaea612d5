package server_test

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

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
	back := ipv4(netip.MustParseAddr("198.51.100.10"), behind, []byte("to the branch"))
	sendUntilReceived(t, s.tun, c.tun.Written(), back, "client TUN (announced network)")

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

// TestServerDPD: a client that vanishes without a Delete is found dead
// by DPD and its session and address are released.
func TestServerDPD(t *testing.T) {
	text := strings.Replace(pskConfig, `dpd_interval = "0s"`, `dpd_interval = "1s"`, 1)
	s := startServer(t, writeConfig(t, t.TempDir(), text))
	addr := netip.MustParseAddr("127.0.0.1")
	tr, err := ike.ListenUDP(addr, freePort(t), freePort(t))
	if err != nil {
		t.Fatal(err)
	}
	ikeAddr, nattAddr := tr.LocalAddrs()
	ep, err := ike.NewEndpoint(ike.EndpointConfig{Transport: tr, Local: addr, IKEPort: ikeAddr.Port(), NATTPort: nattAddr.Port()})
	if err != nil {
		t.Fatal(err)
	}
	tr.Serve(ep)
	defer ep.Close()
	cfg := pskClient("gone@example.com")
	cfg.RequestConfig = true
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sa, err := ep.Initiate(context.Background(), cfg, netip.AddrPortFrom(gwAddr, 500))
	if err != nil {
		t.Fatal(err)
	}
	if err := sa.WaitUp(ctx); err != nil {
		t.Fatal(err)
	}
	waitSessions(t, s, 1)
	tr.Close() // the client's network is gone: no Delete, no answers
	deadline := time.Now().Add(20 * time.Second)
	for len(s.Sessions()) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("dead client's session still listed: %+v", s.Sessions())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestServerDualStack: a client that asks for both families gets an
// address from each pool, and IPv6 packets reach it.
func TestServerDualStack(t *testing.T) {
	text := strings.Replace(pskConfig, `pool = "lan"`, "pool = \"lan\"\npool6 = \"lan6\"", 1) +
		"\n[pool.lan6]\nprefix = \"2001:db8:200::/120\"\n"
	text = strings.Replace(text, `split_networks = ["198.51.100.0/24"]`, `split_networks = ["198.51.100.0/24", "2001:db8:100::/48"]`, 1)
	s := startServer(t, writeConfig(t, t.TempDir(), text))
	c := mustDial(t, pskClient("dual@example.com"))
	var v6 netip.Addr
	for _, p := range c.Reply().Addrs {
		if p.Addr().Is6() {
			v6 = p.Addr()
		}
	}
	if !netip.MustParsePrefix("2001:db8:200::/120").Contains(v6) {
		t.Fatalf("addresses %v, want one from 2001:db8:200::/120", c.Reply().Addrs)
	}
	if l := s.Sessions(); len(l) != 1 || l[0].IP6 != v6 {
		t.Fatalf("sessions = %+v", l)
	}
	pkt := ipv6(netip.MustParseAddr("2001:db8:100::10"), v6, []byte("hello v6"))
	sendUntilReceived(t, s.tun, c.tun.Written(), pkt, "client TUN (IPv6)")
}

// ipv6 builds a minimal IPv6 packet with a UDP-numbered payload (the
// data plane routes by destination; nothing checks the UDP header).
func ipv6(src, dst netip.Addr, payload []byte) []byte {
	p := make([]byte, 40+len(payload))
	p[0], p[6], p[7] = 0x60, 17, 64
	p[4], p[5] = byte(len(payload)>>8), byte(len(payload))
	s, d := src.As16(), dst.As16()
	copy(p[8:], s[:])
	copy(p[24:], d[:])
	copy(p[40:], payload)
	return p
}
