package netns

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// TestUDPRelayNATLossAndRebind runs a strongSwan client through the
// relay: the gateway must see a NAT, a CHILD_SA rekey must survive
// every second packet towards the gateway being dropped, and after a
// rebind (new outside port) the next IKE exchange moves the gateway's
// view of the client to the new port and traffic flows again.
func TestUDPRelayNATLossAndRebind(t *testing.T) {
	t.Parallel()
	st := newSwanTopo(t, "relay")
	nat := st.topo.AddHost("nat", netip.MustParseAddr("192.0.2.254"))
	relay := StartUDPRelay(t, nat, st.gw.Addr)
	gw := StartStrongSwan(t, st.gw, GatewaySpec{Addr: st.gw.Addr, ID: "gw.flexvpn.test", PSK: "relay psk",
		Pool: netip.MustParsePrefix("203.0.113.0/25")}.Config())
	cfg := ClientSpec{Gateway: nat.Addr, GatewayID: "gw.flexvpn.test",
		ID: "cli.flexvpn.test", PSK: "relay psk", VirtualIP: true}.Config()
	// Without MOBIKE the gateway follows the client's new NAT port on
	// the next authenticated message (RFC 7296 2.23); with it, strongSwan
	// waits for UPDATE_SA_ADDRESSES, which the client has no reason to send.
	cfg.Conns[0].Options["mobike"] = "no"
	cli := StartStrongSwan(t, st.cli, cfg)
	if err := cli.Initiate(ChildName); err != nil {
		t.Fatal(err)
	}
	gsa := gw.WaitSA(GatewayConn, true, 10*time.Second)
	if gsa.RemoteHost.Addr() != nat.Addr || gsa.RemoteHost.Port() == 4500 || gsa.Fields["nat-remote"] != "yes" {
		t.Fatalf("gateway sees the client at %v (nat-remote=%q), want the relay's outside port",
			gsa.RemoteHost, gsa.Fields["nat-remote"])
	}
	WaitFor(t, 10*time.Second, func() error { return st.cli.Ping(st.lan.Addr) })

	relay.SetFilter(DropEvery(2))
	old, _ := gsa.Child(ChildName)
	if err := cli.RekeyChild(ChildName); err != nil {
		t.Fatal(err)
	}
	WaitFor(t, 20*time.Second, func() error { return newChild(gw, old.SPIIn) })
	if relay.Dropped.Load() == 0 {
		t.Error("filter dropped nothing")
	}
	relay.SetFilter(nil)

	if err := relay.Rebind(); err != nil {
		t.Fatal(err)
	}
	cur := gw.WaitSA(GatewayConn, true, 5*time.Second)
	c, _ := cur.Child(ChildName)
	if err := cli.RekeyChild(ChildName); err != nil {
		t.Fatal(err)
	}
	WaitFor(t, 20*time.Second, func() error { return newChild(gw, c.SPIIn) })
	WaitFor(t, 10*time.Second, func() error { return st.cli.Ping(st.lan.Addr) })
	WaitFor(t, 10*time.Second, func() error {
		if moved := gw.WaitSA(GatewayConn, true, 5*time.Second); moved.RemoteHost == gsa.RemoteHost {
			return fmt.Errorf("gateway still sees the client at %v after a rebind", moved.RemoteHost)
		}
		return nil
	})
}

// newChild reports whether the gateway has an installed CHILD_SA whose
// inbound SPI differs from old.
func newChild(s *StrongSwan, old string) error {
	sas, err := s.ListSAs()
	if err != nil {
		return err
	}
	for _, sa := range sas {
		for _, c := range sa.Children {
			if c.State == "INSTALLED" && c.SPIIn != old {
				return nil
			}
		}
	}
	return fmt.Errorf("no new CHILD_SA yet")
}
