package interop

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"flexvpn/test/netns"
	"flexvpn/test/pki"
)

// clientCase is one "flexvpn connect against a strongSwan gateway" run.
type clientCase struct {
	name     string
	auth     string      // psk, rsa, ecdsa, eap-mschapv2, eap-md5, eap-gtc
	password string      // EAP password the client uses
	badCA    bool        // the client trusts another CA than the gateway's
	wantErr  string      // non-empty: the client must fail with this text
	keyType  pki.KeyType // for rsa / ecdsa
	methods  []string    // the profile's eap_methods; default all three
	wantLog  string      // a failing case's gateway log must show this
	connect  string      // the profile's connect mode; default manual
}

const eapPassword = "Secr3t pass"

// TestClientAgainstStrongSwan runs the real client binary (`flexvpn
// connect`: IKE engine, userspace ESP on a TUN, routes in table 5300,
// resolv.conf pointed at our split-DNS proxy) against a strongSwan
// gateway with kernel-libipsec in network namespaces. Connected cases
// ping a LAN host through the tunnel, resolve a split-DNS name through
// the tunnel and another name through the resolver the client had
// before, disconnect on SIGTERM and must leave routes, rules, addresses
// and resolv.conf as they found them; tshark must find nothing malformed.
func TestClientAgainstStrongSwan(t *testing.T) {
	netns.RequireStrongSwan(t)
	netns.RequireTshark(t)
	bin := buildFlexvpn(t)
	for _, tc := range []clientCase{
		{name: "psk", auth: "psk"},
		{name: "rsa", auth: "rsa", keyType: pki.RSA2048},
		{name: "ecdsa", auth: "ecdsa", keyType: pki.ECDSAP256},
		{name: "mschapv2", auth: "eap-mschapv2", password: eapPassword},
		{name: "md5", auth: "eap-md5", password: eapPassword},
		{name: "gtc", auth: "eap-gtc", password: eapPassword},
		// The gateway insists on MD5, the profile allows only GTC: our NAK
		// names GTC, strongSwan cannot switch, and the client must say so.
		{name: "nak", auth: "eap-md5", password: eapPassword, methods: []string{"gtc"},
			wantErr: "no EAP method in common", wantLog: "received EAP_NAK"},
		{name: "badpass", auth: "eap-mschapv2", password: "not the password", wantErr: "wrong username or password"},
		// Even a client that reconnects forever must not retry a rejected
		// password: every try counts against the account at the gateway.
		{name: "badpassauto", auth: "eap-md5", password: "not the password", connect: "auto",
			wantErr: "wrong username or password"},
		{name: "untrusted", auth: "rsa", keyType: pki.RSA2048, badCA: true, wantErr: "is not trusted"},
		{name: "untrustedeap", auth: "eap-mschapv2", password: eapPassword, keyType: pki.RSA2048, badCA: true, wantErr: "is not trusted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runClientCase(t, bin, tc)
		})
	}
}

// clientSetup is a topology with a strongSwan gateway, DNS servers on
// both sides and a profile for our client.
type clientSetup struct {
	cli, gw, lan *netns.Host
	topo         *netns.Topology
	swan         *netns.StrongSwan
	prof         clientProfile
	profile      string // path of prof written out
}

func newClientSetup(t *testing.T, tag string, tc clientCase, gwSpec func(*netns.GatewaySpec)) *clientSetup {
	s := &clientSetup{topo: netns.NewTopology(t, tag)}
	s.cli = s.topo.AddHost("cli", cliAddr)
	s.gw = s.topo.AddHost("gw", gwAddr)
	s.lan = s.topo.AddLAN(s.gw, "lan", lanAddr)
	dnsServer(t, s.lan, tunnelDNS, tunnelAnswer)
	dnsServer(t, s.topo.AddHost("pub", publicDNS), publicDNS, publicAnswer)

	spec, prof := gatewayAndProfile(t, tc)
	if gwSpec != nil {
		gwSpec(&spec)
	}
	cfg := spec.Config()
	cfg.LogLevels = netns.KeyLogLevels // so tshark can decrypt our SK payloads
	s.swan = netns.StartStrongSwan(t, s.gw, cfg)
	s.prof = prof
	s.profile = prof.write(t, t.TempDir())
	return s
}

// gatewayAndProfile builds the gateway and the client profile for a
// case: the gateway pushes a pool address, the tunnel DNS server and the
// split-DNS domain (INTERNAL_DNS_DOMAIN and UNITY_SPLITDNS_NAME).
func gatewayAndProfile(t *testing.T, tc clientCase) (netns.GatewaySpec, clientProfile) {
	spec := netns.GatewaySpec{
		Addr: gwAddr, ID: gwFQDN, Pool: vpnPool, DNS: []netip.Addr{tunnelDNS},
		PoolOptions: map[string]string{"25": splitDomain, "28675": splitDomain},
	}
	prof := clientProfile{GatewayID: gwFQDN, Connect: tc.connect}
	switch tc.auth {
	case "psk":
		spec.PSK = ikePSK
		prof.Method, prof.Identity, prof.PSK = "psk", cliFQDN, ikePSK
		return spec, prof
	case "rsa", "ecdsa":
		ca := pki.MustCA(t, tc.keyType, "flexvpn client interop CA")
		gwCert := ca.MustGateway(t, tc.keyType, gwFQDN, gwAddr)
		spec.Cert, spec.Key, spec.CACert, spec.RemoteAuth = gwCert.CertPEM, gwCert.KeyPEM, ca.CertPEM, "pubkey"
		prof.Method, prof.Identity, prof.Cert, prof.CA = "cert", cliFQDN, ca.MustClient(t, tc.keyType, cliFQDN), ca.CertPEM
	default: // EAP behind an RSA gateway certificate
		ca := pki.MustCA(t, pki.RSA2048, "flexvpn client interop CA")
		gwCert := ca.MustGateway(t, pki.RSA2048, gwFQDN, gwAddr)
		spec.Cert, spec.Key, spec.RemoteAuth = gwCert.CertPEM, gwCert.KeyPEM, tc.auth
		spec.Users = map[string]string{"alice": eapPassword}
		prof.Method, prof.Identity, prof.EAPUsername, prof.Password = "eap", "alice@flexvpn.test", "alice", tc.password
		prof.EAPMethods = tc.methods
		prof.CA = ca.CertPEM
	}
	if tc.badCA {
		prof.CA = pki.MustCA(t, tc.keyType, "some other CA").CertPEM
	}
	return spec, prof
}

func runClientCase(t *testing.T, bin string, tc clientCase) {
	s := newClientSetup(t, "c"+tc.name, tc, nil)
	capture := s.topo.Inet().Capture("br0", "udp")
	before := snapshot(s.cli)
	c := startClient(t, s.cli, bin, s.profile)
	if tc.wantErr != "" {
		out := c.waitExit(30 * time.Second)
		if !strings.Contains(out, tc.wantErr) || strings.Contains(out, connectedLine) {
			t.Errorf("client output lacks %q or says connected:\n%s", tc.wantErr, out)
		}
		if tc.badCA && strings.Contains(s.swan.Log(), "received EAP identity") {
			t.Errorf("client answered EAP before verifying the gateway certificate")
		}
		if tc.wantLog != "" && !strings.Contains(s.swan.Log(), tc.wantLog) {
			t.Errorf("gateway log lacks %q", tc.wantLog)
		}
		if n := strings.Count(s.swan.Log(), "received EAP identity"); tc.password != "" && !tc.badCA && n != 1 {
			t.Errorf("the client logged in %d times, want exactly one attempt", n)
		}
		checkRestored(t, c, before)
		netns.CheckNoMalformed(t, capture.Stop())
		return
	}
	c.waitConnected(30 * time.Second)
	gsa := s.swan.WaitSA(netns.GatewayConn, true, 10*time.Second)
	checkConnected(t, s, c, gsa)
	c.disconnect()
	netns.WaitFor(t, 10*time.Second, func() error { return noSAs(s.swan) })
	checkRestored(t, c, before)
	checkDecryptedCapture(t, capture.Stop(), s.swan, gsa.Cipher())
}

// checkDecryptedCapture runs tshark over the capture with the gateway's
// logged IKE keys: nothing may be malformed (inner payloads included),
// and the CP request we send and the reply must have been dissected,
// which proves the decryption worked.
func checkDecryptedCapture(t *testing.T, pcap string, swan *netns.StrongSwan, c netns.IKECipher) {
	t.Helper()
	ds, err := netns.IKEDatagrams(pcap)
	if err != nil {
		t.Fatal(err)
	}
	args, err := netns.TsharkDecryptArgs(netns.MatchIKEKeys(ds, c, netns.ParseIKEKeys(swan.Log())))
	if err != nil {
		t.Fatal(err)
	}
	if n := netns.CheckNoMalformed(t, pcap, args...); n < 4 {
		t.Errorf("only %d IKE frames captured", n)
	}
	if n, err := netns.CountFrames(pcap, "isakmp.typepayload == 47", args...); err != nil || n < 2 {
		t.Errorf("tshark dissected CP in %d frames (%v), want our request and the reply", n, err)
	}
}

// checkConnected: the tunnel carries ICMP and DNS to the LAN, routes are
// in table 5300, and the proxy splits DNS by the pushed domain.
func checkConnected(t *testing.T, s *clientSetup, c *ourClient, gsa netns.IKESA) {
	t.Helper()
	if len(gsa.RemoteVIPs) != 1 || !vpnPool.Contains(gsa.RemoteVIPs[0]) {
		t.Fatalf("gateway assigned %v, want one address from %v", gsa.RemoteVIPs, vpnPool)
	}
	vip := gsa.RemoteVIPs[0]
	netns.WaitFor(t, 20*time.Second, func() error { return s.cli.Ping(lanAddr) })
	if addrs := s.cli.IP("-o", "addr", "show", "dev", "fv0"); !strings.Contains(addrs, vip.String()) {
		t.Errorf("fv0 lacks the virtual IP %s:\n%s", vip, addrs)
	}
	// Only what the Child SA carries goes into the tunnel: strongSwan
	// pushes no routes and narrows TSr to its LAN.
	if routes := s.cli.IP("route", "show", "table", "5300"); !strings.HasPrefix(routes, netns.LANPrefix.String()+" dev fv0") ||
		strings.Count(routes, "\n") > 1 {
		t.Errorf("table 5300 should hold just the LAN via fv0:\n%s", routes)
	}
	if rc, _ := os.ReadFile(c.ResolvConf); !strings.Contains(string(rc), "nameserver "+proxyAddr.Addr().String()) {
		t.Errorf("resolv.conf does not point at our proxy:\n%s", rc)
	}
	checkSplitDNS(t, s.cli)
	if cc, ok := gsa.Child(netns.ChildName); !ok || !cc.Encap {
		t.Errorf("gateway child %+v, want ESP in UDP", cc)
	}
}

// checkSplitDNS: a name under the pushed domain is answered by the LAN
// server through the tunnel, any other name by the saved resolver.
func checkSplitDNS(t *testing.T, h *netns.Host) {
	t.Helper()
	for name, want := range map[string]netip.Addr{
		"intranet." + splitDomain: tunnelAnswer,
		"www.example.test":        publicAnswer,
	} {
		var got netip.Addr
		netns.WaitFor(t, 10*time.Second, func() error {
			a, err := lookupA(h, proxyAddr, name)
			if err != nil {
				return err
			}
			got = a
			return nil
		})
		if got != want {
			t.Errorf("%s resolved to %s through the proxy, want %s", name, got, want)
		}
	}
}

// checkRestored: after the client exits, the namespace's rules, routes,
// addresses and resolv.conf are what they were, and the resolv.conf
// backup in /run is gone.
func checkRestored(t *testing.T, c *ourClient, before systemState) {
	t.Helper()
	after := snapshot(c.host)
	if after != before {
		t.Errorf("client namespace not restored:\nbefore %+v\nafter  %+v", before, after)
	}
	if rc, _ := os.ReadFile(c.ResolvConf); string(rc) != c.origResolv {
		t.Errorf("resolv.conf not restored:\n%s", rc)
	}
	left, _ := filepath.Glob(filepath.Join(c.runDir, "flexvpn", "*"))
	if len(left) != 0 {
		t.Errorf("files left in /run/flexvpn: %v", left)
	}
}
