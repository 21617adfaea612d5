package e2e

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"flexvpn/test/netns"
	"flexvpn/test/pki"
)

// IPv6 outside, IPv4 inside: the same world as the other tests, made
// dual-stack, with `flexvpn server` on its default listen list (0.0.0.0
// and ::) and the clients dialing the gateway's IPv6 address:
//
//	[cli] 2001:db8::2 ── 2001:db8::1 [gw] 198.51.100.1 ── 198.51.100.10 [lan]
//	      (also 192.0.2.2)   (also 192.0.2.1)

// TestIPv6OuterToServer: our client, and strongSwan where installed,
// connect to the gateway over IPv6, get a pool address and ping the LAN
// host through the tunnel; the session lists the client's IPv6 address.
func TestIPv6OuterToServer(t *testing.T) {
	netns.Require(t)
	t.Run("flexvpn", func(t *testing.T) {
		t.Parallel()
		w := newWorld6(t, "6fv")
		profile := writeProfile6(t, t.TempDir(), w.ca, w.gw.Addr6)
		c := startOurClient(t, w.cli, flexvpnBinary(t), profile)
		netns.WaitFor(t, 30*time.Second, func() error {
			if out := c.Output(); !strings.Contains(out, connectedLine) {
				if !c.Running() {
					return fmt.Errorf("client exited before connecting: %v\n%s", c.Err(), out)
				}
				return fmt.Errorf("not connected yet")
			}
			return nil
		})
		checkIPv6Session(t, w, "email:carol@flexvpn.test")
	})
	t.Run("strongswan", func(t *testing.T) {
		netns.RequireStrongSwan(t)
		t.Parallel()
		w := newWorld6(t, "6sw")
		spec, identity := swanClientSpec(t, w.ca, "eap-mschapv2")
		spec.Gateway = w.gw.Addr6
		swan := netns.StartStrongSwan(t, w.cli, spec.Config())
		if err := swan.Initiate(netns.ChildName); err != nil {
			t.Fatalf("strongSwan initiate over IPv6: %v\n%s", err, swan.Log())
		}
		sa := swan.WaitSA(netns.ClientConn, true, 15*time.Second)
		if len(sa.LocalVIPs) != 1 || !vpnPool.Contains(sa.LocalVIPs[0]) {
			t.Fatalf("strongSwan virtual IPs %v, want one from %s", sa.LocalVIPs, vpnPool)
		}
		checkIPv6Session(t, w, identity)
	})
}

// checkIPv6Session pings the LAN host from the client and checks the
// gateway lists the session from the client's IPv6 address with traffic.
func checkIPv6Session(t *testing.T, w *world, identity string) {
	t.Helper()
	netns.WaitFor(t, 10*time.Second, func() error { return w.cli.Ping(lanAddr) })
	s := w.gwServer.waitSession(t, identity)
	if s.Peer.Addr() != w.cli.Addr6 {
		t.Errorf("session peer %s, want the client's IPv6 address %s", s.Peer, w.cli.Addr6)
	}
	if !vpnPool.Contains(s.IP4) {
		t.Errorf("session address %s outside %s", s.IP4, vpnPool)
	}
	netns.WaitFor(t, 5*time.Second, func() error {
		for _, x := range w.gwServer.sessions(t) {
			if x.ID == s.ID && x.BytesIn > 0 && x.BytesOut > 0 {
				return nil
			}
		}
		return fmt.Errorf("session %d shows no traffic", s.ID)
	})
}

// newWorld6 is newWorld made dual-stack, its gateway on the default
// listen list.
func newWorld6(t *testing.T, tag string) *world {
	t.Helper()
	bin := flexvpnBinary(t)
	w := &world{topo: netns.NewTopology(t, tag)}
	w.topo.DualStack()
	w.cli = w.topo.AddHost("cli", cliAddr)
	w.gw = w.topo.AddHost("gw", gwAddr)
	w.lan = w.topo.AddLAN(w.gw, "lan", lanAddr)
	w.ca = pki.MustCA(t, pki.RSA2048, "flexvpn e2e CA")
	w.gwServer = startGateway(t, bin, w.gw, w.ca, netip.Addr{}, vpnPool, "") // listens on 0.0.0.0 and ::
	return w
}

// writeProfile6 writes a PSK client profile for the gateway at gw.
func writeProfile6(t *testing.T, dir string, ca *pki.CA, gw netip.Addr) string {
	t.Helper()
	writeFile(t, filepath.Join(dir, "ca.pem"), ca.CertPEM, 0o644)
	writeFile(t, filepath.Join(dir, "secrets.toml"), []byte(fmt.Sprintf("psk = %q\n", ikePSK)), 0o600)
	profile := fmt.Sprintf(`name = "e2e6"
connect = "manual"

[[peer]]
host = %q

[auth]
method = "psk"
identity = "carol@flexvpn.test"
secrets_file = "secrets.toml"

[gateway]
ca = "ca.pem"
identity = %q
`, gw, gwFQDN)
	path := filepath.Join(dir, "e2e6.toml")
	writeFile(t, path, []byte(profile), 0o644)
	return path
}
