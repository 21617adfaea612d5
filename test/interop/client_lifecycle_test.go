package interop

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"flexvpn/test/netns"
)

// Tests of a connected client over its lifetime against strongSwan:
// the gateway deletes the SA, rekeys, or disappears.

// TestClientReconnectsAfterGatewayDelete: the gateway deletes the IKE SA
// (an administrator's clear, or a gateway restart); the client must
// notice the Delete, tear down, connect again with a fresh TUN device,
// and carry traffic again. SIGTERM then restores the namespace.
func TestClientReconnectsAfterGatewayDelete(t *testing.T) {
	netns.RequireStrongSwan(t)
	t.Parallel() // mostly waiting on timers
	bin := buildFlexvpn(t)
	s := newClientSetup(t, "crecon", clientCase{name: "psk", auth: "psk"}, nil)
	before := snapshot(s.cli)
	c := startClient(t, s.cli, bin, s.profile)
	c.waitConnected(30 * time.Second)
	first := s.swan.WaitSA(netns.GatewayConn, true, 10*time.Second)
	netns.WaitFor(t, 20*time.Second, func() error { return s.cli.Ping(lanAddr) })

	if err := s.swan.Terminate(netns.GatewayConn); err != nil {
		t.Fatal(err)
	}
	netns.WaitFor(t, 30*time.Second, func() error {
		if n := strings.Count(c.proc.Output(), connectedLine); n < 2 {
			return fmt.Errorf("connected %d times", n)
		}
		return nil
	})
	second := s.swan.WaitSA(netns.GatewayConn, true, 10*time.Second)
	if second.SPIi == first.SPIi {
		t.Fatalf("gateway still lists the first IKE SA %s", first.SPIi)
	}
	netns.WaitFor(t, 20*time.Second, func() error { return s.cli.Ping(lanAddr) })
	checkSplitDNS(t, s.cli)
	c.disconnect()
	netns.WaitFor(t, 10*time.Second, func() error { return noSAs(s.swan) })
	checkRestored(t, c, before)
}

// TestClientFollowsGatewayRekeys: strongSwan rekeys the CHILD_SA and
// then the IKE_SA of a connected flexvpn client; both must complete on
// the gateway's side and the tunnel must keep carrying traffic on the
// new Child SA.
func TestClientFollowsGatewayRekeys(t *testing.T) {
	netns.RequireStrongSwan(t)
	t.Parallel() // mostly waiting on timers
	bin := buildFlexvpn(t)
	s := newClientSetup(t, "crekey", clientCase{name: "psk", auth: "psk"}, nil)
	c := startClient(t, s.cli, bin, s.profile)
	c.waitConnected(30 * time.Second)
	first := s.swan.WaitSA(netns.GatewayConn, true, 10*time.Second)
	oldChild, _ := first.Child(netns.ChildName)
	netns.WaitFor(t, 20*time.Second, func() error { return s.cli.Ping(lanAddr) })

	if err := s.swan.RekeyChild(netns.ChildName); err != nil {
		t.Fatal(err)
	}
	newChild := waitNewChild(t, s.swan, oldChild.SPIIn)
	if err := s.swan.RekeyIKE(netns.GatewayConn); err != nil {
		t.Fatal(err)
	}
	netns.WaitFor(t, 15*time.Second, func() error {
		sas, err := s.swan.ListSAs()
		if err != nil || len(sas) != 1 || sas[0].SPIi == first.SPIi || sas[0].State != "ESTABLISHED" {
			return fmt.Errorf("IKE_SA not rekeyed yet: %+v %v", sas, err)
		}
		return nil
	})
	// Traffic flows on the new inbound SA of the gateway.
	before := childBytesIn(t, s.swan, newChild)
	netns.WaitFor(t, 20*time.Second, func() error { return s.cli.Ping(lanAddr) })
	if after := childBytesIn(t, s.swan, newChild); after <= before {
		t.Errorf("gateway's rekeyed CHILD_SA %s counted no new bytes (%d -> %d)", newChild, before, after)
	}
	if out := c.proc.Output(); strings.Count(out, connectedLine) != 1 {
		t.Errorf("client reconnected instead of rekeying:\n%s", out)
	}
	c.disconnect()
}

// waitNewChild waits for an installed CHILD_SA whose inbound SPI is not
// old and returns that SPI.
func waitNewChild(t *testing.T, swan *netns.StrongSwan, old string) string {
	t.Helper()
	var spi string
	netns.WaitFor(t, 15*time.Second, func() error {
		sas, err := swan.ListSAs()
		if err != nil {
			return err
		}
		for _, sa := range sas {
			for _, ch := range sa.Children {
				if ch.State == "INSTALLED" && ch.SPIIn != old {
					spi = ch.SPIIn
					return nil
				}
			}
		}
		return fmt.Errorf("CHILD_SA not rekeyed yet: %+v", sas)
	})
	return spi
}

// childBytesIn is the inbound byte count of the gateway's CHILD_SA with
// inbound SPI spi.
func childBytesIn(t *testing.T, swan *netns.StrongSwan, spi string) uint64 {
	t.Helper()
	sas, err := swan.ListSAs()
	if err != nil {
		t.Fatal(err)
	}
	for _, sa := range sas {
		for _, ch := range sa.Children {
			if ch.SPIIn == spi {
				return ch.BytesIn
			}
		}
	}
	t.Fatalf("gateway has no CHILD_SA with inbound SPI %s", spi)
	return 0
}

// TestClientRecoversFromDeadGateway: the gateway's link goes down, so
// it neither answers nor sends a Delete. Dead peer detection
// (dpd_interval 2s, dpd_retry 1s) must notice; once the link is back the
// client's reconnect must get through, carry traffic again, and SIGTERM
// must still restore the namespace.
func TestClientRecoversFromDeadGateway(t *testing.T) {
	netns.RequireStrongSwan(t)
	t.Parallel() // mostly waiting on timers
	bin := buildFlexvpn(t)
	s := newClientSetup(t, "cdead", clientCase{name: "psk", auth: "psk"}, nil)
	s.prof.DPD, s.prof.DPDRetry = "2s", "1s"
	prof := s.prof.write(t, t.TempDir())
	before := snapshot(s.cli)
	c := startClient(t, s.cli, bin, prof)
	c.waitConnected(30 * time.Second)
	netns.WaitFor(t, 20*time.Second, func() error { return s.cli.Ping(lanAddr) })
	s.gw.IP("link", "set", "eth0", "down")
	netns.WaitFor(t, 30*time.Second, func() error {
		if !strings.Contains(c.proc.Output(), "tunnel lost") {
			return fmt.Errorf("client has not noticed the dead gateway yet")
		}
		return nil
	})
	s.gw.IP("link", "set", "eth0", "up")
	netns.WaitFor(t, 30*time.Second, func() error {
		if n := strings.Count(c.proc.Output(), connectedLine); n < 2 {
			return fmt.Errorf("connected %d times: %w", n, c.proc.Err())
		}
		return nil
	})
	netns.WaitFor(t, 20*time.Second, func() error { return s.cli.Ping(lanAddr) })
	c.disconnect()
	checkRestored(t, c, before)
}

// TestClientFollowsGatewayRedirect: strongSwan redirects the connected
// client (RFC 5685 REDIRECT in INFORMATIONAL, as a FlexVPN headend does
// for load balancing) to a second gateway. The client must connect
// there, reach that gateway's LAN, and leave nothing behind on SIGTERM.
func TestClientFollowsGatewayRedirect(t *testing.T) {
	netns.RequireStrongSwan(t)
	t.Parallel() // mostly waiting on timers
	bin := buildFlexvpn(t)
	s := newClientSetup(t, "credir", clientCase{name: "psk", auth: "psk"}, nil)
	gw2Addr := netip.MustParseAddr("192.0.2.2")
	lan2Addr := netip.MustParseAddr("198.51.100.20")
	gw2 := s.topo.AddHost("gw2", gw2Addr)
	s.topo.AddLAN(gw2, "lan2", lan2Addr)
	swan2 := netns.StartStrongSwan(t, gw2, netns.GatewaySpec{Addr: gw2Addr, ID: gwFQDN, PSK: ikePSK, Pool: vpnPool}.Config())
	before := snapshot(s.cli)
	c := startClient(t, s.cli, bin, s.profile)
	c.waitConnected(30 * time.Second)
	s.swan.WaitSA(netns.GatewayConn, true, 10*time.Second)

	if err := s.swan.Redirect(cliAddr, gw2Addr.String()); err != nil {
		t.Fatal(err)
	}
	moved := swan2.WaitSA(netns.GatewayConn, true, 30*time.Second)
	if moved.RemoteHost.Addr() != cliAddr {
		t.Errorf("second gateway's SA is from %v", moved.RemoteHost)
	}
	netns.WaitFor(t, 10*time.Second, func() error { return noSAs(s.swan) })
	netns.WaitFor(t, 20*time.Second, func() error { return s.cli.Ping(lan2Addr) })
	if !strings.Contains(swan2.Log(), "REDIRECTED_FROM") && !strings.Contains(swan2.Log(), "N(REDIR_FROM)") {
		t.Errorf("the client did not tell the second gateway where it came from")
	}
	c.disconnect()
	netns.WaitFor(t, 10*time.Second, func() error { return noSAs(swan2) })
	checkRestored(t, c, before)
}
