package netns

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"flexvpn/test/pki"
)

// swanTopo is client and gateway on the inet segment plus a LAN host.
type swanTopo struct {
	topo         *Topology
	cli, gw, lan *Host
}

func newSwanTopo(t *testing.T, name string) swanTopo {
	RequireStrongSwan(t)
	topo := NewTopology(t, name)
	st := swanTopo{topo: topo}
	st.cli = topo.AddHost("cli", netip.MustParseAddr("192.0.2.10"))
	st.gw = topo.AddHost("gw", netip.MustParseAddr("192.0.2.1"))
	st.lan = topo.AddLAN(st.gw, "lan", netip.MustParseAddr("198.51.100.10"))
	return st
}

// TestStrongSwanPSKRoadWarrior proves the driver end to end: a preset
// PSK gateway with a pool and DNS, a preset client asking for a virtual
// IP, a ping to the LAN through kernel-libipsec, SA details from
// ListSAs, DNS written to the client's private resolv.conf, and a
// terminate that removes the SA on both sides.
func TestStrongSwanPSKRoadWarrior(t *testing.T) {
	t.Parallel()
	st := newSwanTopo(t, "swpsk")
	dns := netip.MustParseAddr("198.51.100.53")
	gw := StartStrongSwan(t, st.gw, GatewaySpec{
		Addr: st.gw.Addr, ID: "gw.flexvpn.test", PSK: "correct horse battery",
		Pool: netip.MustParsePrefix("203.0.113.0/25"), DNS: []netip.Addr{dns},
	}.Config())
	cli := StartStrongSwan(t, st.cli, ClientSpec{
		Gateway: st.gw.Addr, GatewayID: "gw.flexvpn.test", ID: "cli.flexvpn.test",
		PSK: "correct horse battery", VirtualIP: true,
	}.Config())
	if err := cli.Initiate(ChildName); err != nil {
		t.Fatal(err)
	}
	sa := cli.WaitSA(ClientConn, true, 10*time.Second)
	if len(sa.LocalVIPs) != 1 || !netip.MustParsePrefix("203.0.113.0/25").Contains(sa.LocalVIPs[0]) {
		t.Fatalf("client virtual IPs = %v, want one from the pool", sa.LocalVIPs)
	}
	if sa.RemoteID != "gw.flexvpn.test" || sa.RemoteHost.Port() != 4500 {
		t.Errorf("remote id %q port %d", sa.RemoteID, sa.RemoteHost.Port())
	}
	WaitFor(t, 10*time.Second, func() error { return st.cli.Ping(st.lan.Addr) })
	gsa := gw.WaitSA(GatewayConn, true, 5*time.Second)
	if gsa.SPIi != sa.SPIi || len(gsa.RemoteVIPs) != 1 || gsa.RemoteVIPs[0] != sa.LocalVIPs[0] {
		t.Errorf("gateway sees SPIi %s VIPs %v; client %s %v", gsa.SPIi, gsa.RemoteVIPs, sa.SPIi, sa.LocalVIPs)
	}
	if ch, _ := gsa.Child(ChildName); ch.PacketsIn == 0 {
		t.Errorf("gateway child counted no inbound packets after a ping: %+v", ch)
	}
	if rc := cli.ResolvConf(); !strings.Contains(rc, dns.String()) {
		t.Errorf("client resolv.conf lacks pushed DNS %s:\n%s", dns, rc)
	}
	if err := cli.Terminate(ClientConn); err != nil {
		t.Fatal(err)
	}
	gw.WaitNoSAs(10 * time.Second)
}

// TestStrongSwanEAPMethods checks the gateway preset for every EAP
// method our client implements: the gateway authenticates with an
// ECDSA certificate, the strongSwan client with EAP-MD5 or EAP-GTC (the
// GTC server checks passwords via the xauth-generic backend, not PAM).
// A wrong password must fail.
func TestStrongSwanEAPMethods(t *testing.T) {
	RequireStrongSwan(t)
	for _, method := range []string{"eap-md5", "eap-gtc"} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			st := newSwanTopo(t, strings.TrimPrefix(method, "eap-"))
			ca := pki.MustCA(t, pki.ECDSAP256, "eap test CA")
			cert := ca.MustGateway(t, pki.ECDSAP256, "gw.flexvpn.test", st.gw.Addr)
			StartStrongSwan(t, st.gw, GatewaySpec{
				Addr: st.gw.Addr, ID: "gw.flexvpn.test", Cert: cert.CertPEM, Key: cert.KeyPEM,
				RemoteAuth: method, Users: map[string]string{"bob": "right password"},
				Pool: netip.MustParsePrefix("203.0.113.0/25"),
			}.Config())
			spec := ClientSpec{Gateway: st.gw.Addr, GatewayID: "gw.flexvpn.test", ID: "bob",
				Auth: method, EAPPassword: "wrong password", CACert: ca.CertPEM, VirtualIP: true}
			cli := StartStrongSwan(t, st.cli, spec.Config())
			if err := cli.Initiate(ChildName); err == nil {
				t.Fatal("initiate with a wrong password succeeded")
			}
			spec.EAPPassword = "right password"
			if err := cli.Reconfigure(spec.Config()); err != nil {
				t.Fatal(err)
			}
			if err := cli.Initiate(ChildName); err != nil {
				t.Fatal(err)
			}
			WaitFor(t, 10*time.Second, func() error { return st.cli.Ping(st.lan.Addr) })
		})
	}
}

// TestStrongSwanRedirect checks Redirect: a gateway tells an established
// client (RFC 5685, in an INFORMATIONAL) to move to a second gateway,
// and the client shows up there.
func TestStrongSwanRedirect(t *testing.T) {
	t.Parallel()
	st := newSwanTopo(t, "redir")
	gw2 := st.topo.AddHost("gw2", netip.MustParseAddr("192.0.2.2"))
	// gw2 needs its own LAN: see GatewaySpec.LocalTS.
	st.topo.AddLAN(gw2, "lan2", netip.MustParseAddr("198.51.100.10"))
	spec := GatewaySpec{Addr: st.gw.Addr, ID: "gw.flexvpn.test", PSK: "redirect psk",
		Pool: netip.MustParsePrefix("203.0.113.0/25")}
	g1 := StartStrongSwan(t, st.gw, spec.Config())
	spec.Addr, spec.Pool = gw2.Addr, netip.MustParsePrefix("203.0.113.128/25")
	g2 := StartStrongSwan(t, gw2, spec.Config())
	cli := StartStrongSwan(t, st.cli, ClientSpec{Gateway: st.gw.Addr, GatewayID: "gw.flexvpn.test",
		ID: "cli.flexvpn.test", PSK: "redirect psk", VirtualIP: true}.Config())
	if err := cli.Initiate(ChildName); err != nil {
		t.Fatal(err)
	}
	g1.WaitSA(GatewayConn, true, 10*time.Second)
	if err := g1.Redirect(st.cli.Addr, gw2.Addr.String()); err != nil {
		t.Fatal(err)
	}
	sa := g2.WaitSA(GatewayConn, true, 15*time.Second)
	if sa.RemoteHost.Addr() != st.cli.Addr {
		t.Errorf("gateway 2 sees %v, want the client", sa.RemoteHost)
	}
	csa := cli.WaitSA(ClientConn, false, 10*time.Second)
	if csa.RemoteHost.Addr() != gw2.Addr {
		t.Errorf("client SA points at %v, want %v", csa.RemoteHost, gw2.Addr)
	}
}

// TestStrongSwanIPv6InnerTraffic checks IPv6 through kernel-libipsec:
// the client gets addresses from an IPv4 and an IPv6 pool and pings the
// LAN host's IPv6 address through the tunnel (IKE itself runs over IPv4).
func TestStrongSwanIPv6InnerTraffic(t *testing.T) {
	t.Parallel()
	RequireStrongSwan(t)
	topo := NewTopology(t, "sw6")
	topo.DualStack()
	cliH := topo.AddHost("cli", netip.MustParseAddr("192.0.2.10"))
	gwH := topo.AddHost("gw", netip.MustParseAddr("192.0.2.1"))
	lan := topo.AddLAN(gwH, "lan", netip.MustParseAddr("198.51.100.10"))
	pool6 := netip.MustParsePrefix("2001:db8:0:200::/120")
	lans := []netip.Prefix{LANPrefix, LAN6Prefix}
	StartStrongSwan(t, gwH, GatewaySpec{Addr: gwH.Addr, ID: "gw.flexvpn.test", PSK: "six psk",
		Pool: netip.MustParsePrefix("203.0.113.0/25"), Pool6: pool6, LocalTS: lans}.Config())
	cli := StartStrongSwan(t, cliH, ClientSpec{Gateway: gwH.Addr, GatewayID: "gw.flexvpn.test",
		ID: "cli.flexvpn.test", PSK: "six psk", VirtualIP: true, VirtualIP6: true, RemoteTS: lans}.Config())
	if err := cli.Initiate(ChildName); err != nil {
		t.Fatal(err)
	}
	sa := cli.WaitSA(ClientConn, true, 10*time.Second)
	if len(sa.LocalVIPs) != 2 || !slices.ContainsFunc(sa.LocalVIPs, pool6.Contains) {
		t.Fatalf("client virtual IPs %v, want one IPv4 and one from %v", sa.LocalVIPs, pool6)
	}
	WaitFor(t, 10*time.Second, func() error { return cliH.Ping(lan.Addr6) })
	WaitFor(t, 10*time.Second, func() error { return cliH.Ping(lan.Addr) })
}

// TestStrongSwanPerSubtest starts a daemon on the same host in two
// subtests of one topology: the first must be gone (ports free) when the
// second starts.
func TestStrongSwanPerSubtest(t *testing.T) {
	t.Parallel()
	st := newSwanTopo(t, "sub")
	var first *StrongSwan
	t.Run("first", func(t *testing.T) {
		first = StartStrongSwan(t, st.gw, GatewaySpec{Addr: st.gw.Addr, PSK: "k"}.Config())
	})
	t.Run("second", func(t *testing.T) {
		if first.proc.Running() {
			t.Fatal("the first subtest's charon still runs")
		}
		second := StartStrongSwan(t, st.gw, GatewaySpec{Addr: st.gw.Addr, PSK: "k"}.Config())
		if log := second.Log(); strings.Contains(log, "unable to bind") {
			t.Errorf("second charon could not bind its sockets:\n%s", log)
		}
	})
}

// TestStrongSwanRouterClient: a client without a virtual IP announces
// its own network (203.0.113.0/24, an address on its loopback); the LAN
// host answers that network through the tunnel.
func TestStrongSwanRouterClient(t *testing.T) {
	t.Parallel()
	st := newSwanTopo(t, "router")
	site := netip.MustParsePrefix("203.0.113.0/24")
	st.cli.IP("addr", "add", "203.0.113.1/32", "dev", "lo")
	StartStrongSwan(t, st.gw, GatewaySpec{Addr: st.gw.Addr, ID: "gw.flexvpn.test", PSK: "k",
		RemoteTS: []netip.Prefix{site}}.Config())
	cli := StartStrongSwan(t, st.cli, ClientSpec{Gateway: st.gw.Addr, GatewayID: "gw.flexvpn.test",
		ID: "router1.flexvpn.test", PSK: "k", LocalTS: []netip.Prefix{site}}.Config())
	if err := cli.Initiate(ChildName); err != nil {
		t.Fatal(err)
	}
	WaitFor(t, 10*time.Second, func() error { return st.cli.Ping(st.lan.Addr) })
	if out := st.cli.IP("route", "show", "table", "220"); !strings.Contains(out, "src 203.0.113.1") {
		t.Errorf("tunnel route does not use the site address:\n%s", out)
	}
}
