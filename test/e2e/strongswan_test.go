package e2e

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"flexvpn/server"
	"flexvpn/test/netns"
	"flexvpn/test/pki"
)

// TestStrongSwanClientToServer: a strongSwan road warrior logs in to
// `flexvpn server` with EAP-MSCHAPv2, and separately with a certificate;
// it gets an address from the pool, the DNS server and the split network
// as its Child SA's remote selector, and pings a LAN host through the
// tunnel. The session is listed and survives a reload; the admin
// disconnect (through the CLI) makes strongSwan see the IKE SA deleted.
func TestStrongSwanClientToServer(t *testing.T) {
	netns.RequireStrongSwan(t)
	for _, auth := range []string{"eap-mschapv2", "pubkey"} {
		t.Run(auth, func(t *testing.T) {
			t.Parallel()
			runStrongSwanCase(t, auth)
		})
	}
}

func swanClientSpec(t *testing.T, ca *pki.CA, auth string) (netns.ClientSpec, string) {
	spec := netns.ClientSpec{Gateway: gwAddr, GatewayID: gwFQDN, CACert: ca.CertPEM, VirtualIP: true, Auth: auth}
	switch auth {
	case "pubkey":
		c := ca.MustClient(t, pki.RSA2048, "bob@flexvpn.test")
		spec.ID, spec.Cert, spec.Key = "bob@flexvpn.test", c.CertPEM, c.KeyPEM
		return spec, "email:bob@flexvpn.test"
	default:
		spec.ID, spec.EAPUser, spec.EAPPassword = "alice@flexvpn.test", eapUser, eapPassword
		return spec, eapUser
	}
}

func runStrongSwanCase(t *testing.T, auth string) {
	w := newWorld(t, "s"+strings.TrimPrefix(auth, "eap-")[:4])
	spec, identity := swanClientSpec(t, w.ca, auth)
	swan := netns.StartStrongSwan(t, w.cli, spec.Config())
	if err := swan.Initiate(netns.ChildName); err != nil {
		t.Fatalf("strongSwan initiate: %v\n%s", err, swan.Log())
	}
	sa := swan.WaitSA(netns.ClientConn, true, 15*time.Second)
	if len(sa.LocalVIPs) != 1 || !vpnPool.Contains(sa.LocalVIPs[0]) {
		t.Fatalf("strongSwan virtual IPs %v, want one from %s", sa.LocalVIPs, vpnPool)
	}
	if c, ok := sa.Child(netns.ChildName); !ok || !slices.Equal(c.RemoteTS, []netip.Prefix{lanNet}) {
		t.Errorf("child remote selectors %+v, want the split network %s", c.RemoteTS, lanNet)
	}
	netns.WaitFor(t, 10*time.Second, func() error {
		if rc := swan.ResolvConf(); !strings.Contains(rc, lanDNS.String()) {
			return fmt.Errorf("strongSwan's resolv.conf lacks %s:\n%s", lanDNS, rc)
		}
		return nil
	})
	netns.WaitFor(t, 10*time.Second, func() error { return w.cli.Ping(lanAddr) })

	g := w.gwServer
	s := g.waitSession(t, identity)
	if s.IP4 != sa.LocalVIPs[0] {
		t.Errorf("session address %s, strongSwan has %s", s.IP4, sa.LocalVIPs[0])
	}
	out, err := g.cli(t, flexvpnBinary(t), "sessions")
	if err != nil || !containsLine(out, identity) {
		t.Errorf("flexvpn server sessions: %v\n%s", err, out)
	}

	// A reload keeps the session.
	out, err = g.cli(t, flexvpnBinary(t), "reload")
	if err != nil || !strings.Contains(out, "configuration reloaded") {
		t.Fatalf("flexvpn server reload: %v\n%s", err, out)
	}
	if l := g.sessions(t); len(l) != 1 || l[0].ID != s.ID {
		t.Fatalf("sessions after reload: %+v", l)
	}
	netns.WaitFor(t, 10*time.Second, func() error { return w.cli.Ping(lanAddr) })

	out, err = g.cli(t, flexvpnBinary(t), "disconnect", identity)
	if err != nil || !strings.Contains(out, fmt.Sprintf("disconnected session %d", s.ID)) {
		t.Fatalf("flexvpn server disconnect: %v\n%s", err, out)
	}
	netns.WaitFor(t, 10*time.Second, func() error {
		if log := swan.Log(); !strings.Contains(log, "received DELETE for IKE_SA") {
			return fmt.Errorf("strongSwan saw no Delete")
		}
		sas, err := swan.ListSAs()
		if err != nil || len(sas) != 0 {
			return fmt.Errorf("strongSwan still has %d SAs (%v)", len(sas), err)
		}
		return nil
	})
	if left := g.sessions(t); len(left) != 0 {
		t.Errorf("sessions left after disconnect: %+v", left)
	}
	out, err = g.cli(t, flexvpnBinary(t), "disconnect", identity)
	if err == nil || !strings.Contains(out, "no matching session") {
		t.Errorf("second disconnect: %v\n%s", err, out)
	}
}

// TestStrongSwanRedirectToSecondServer: an admin redirect moves a
// strongSwan client from one `flexvpn server` to a second one.
func TestStrongSwanRedirectToSecondServer(t *testing.T) {
	netns.RequireStrongSwan(t)
	w := newWorld(t, "redir")
	gw2 := w.topo.AddHost("gw2", gw2Addr)
	w.topo.AddLAN(gw2, "lan2", lanAddr)
	second := startGateway(t, flexvpnBinary(t), gw2, w.ca, gw2Addr, netip.MustParsePrefix("203.0.113.128/25"), "")

	spec, identity := swanClientSpec(t, w.ca, "eap-mschapv2")
	spec.GatewayID = gwFQDN // both gateways carry the same name
	swan := netns.StartStrongSwan(t, w.cli, spec.Config())
	if err := swan.Initiate(netns.ChildName); err != nil {
		t.Fatalf("strongSwan initiate: %v\n%s", err, swan.Log())
	}
	swan.WaitSA(netns.ClientConn, true, 15*time.Second)
	w.gwServer.waitSession(t, identity)

	r, err := w.gwServer.admin(server.AdminRequest{Op: server.OpRedirect, Target: identity, To: gw2Addr.String()})
	if err != nil {
		t.Fatalf("redirect: %v", err)
	}
	if len(r.Ended) != 1 {
		t.Fatalf("redirect named sessions %v", r.Ended)
	}
	s := second.waitSession(t, identity)
	if !netip.MustParsePrefix("203.0.113.128/25").Contains(s.IP4) {
		t.Errorf("second gateway gave %s", s.IP4)
	}
	netns.WaitFor(t, 15*time.Second, func() error {
		sas, err := swan.ListSAs()
		if err != nil {
			return err
		}
		for _, sa := range sas {
			if sa.State == "ESTABLISHED" && sa.RemoteHost.Addr() == gw2Addr && len(sa.Children) > 0 {
				return nil
			}
		}
		return fmt.Errorf("strongSwan has no SA with %s: %+v", gw2Addr, sas)
	})
	netns.WaitFor(t, 15*time.Second, func() error {
		if n := len(w.gwServer.sessions(t)); n != 0 {
			return fmt.Errorf("first gateway still has %d sessions", n)
		}
		return nil
	})
	netns.WaitFor(t, 10*time.Second, func() error { return w.cli.Ping(lanAddr) })
}
