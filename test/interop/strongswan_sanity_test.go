// Package interop holds root-only tests in network namespaces that run
// flexvpn against strongSwan as an independent IKEv2 implementation.
package interop

import (
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"flexvpn/test/netns"
	"flexvpn/test/pki"
)

// updateGolden rewrites the strongSwan captures the wire codec's golden
// test round-trips: go test ./test/interop -run Golden -update-golden
// (named apart from a plain -update so other tests here can have one).
var updateGolden = flag.Bool("update-golden", false,
	"rewrite tunnel/ike/wire/testdata/strongswan from fresh strongSwan captures")

// goldenDir is where the captures go, relative to this package.
const goldenDir = "../../tunnel/ike/wire/testdata/strongswan"

// Exchange types (RFC 7296 section 3.1).
const (
	exIKESAInit     = 34
	exIKEAuth       = 35
	exCreateChildSA = 36
	exInformational = 37
)

var exchangeNames = map[uint8]string{
	exIKESAInit: "ike_sa_init", exIKEAuth: "ike_auth",
	exCreateChildSA: "create_child_sa", exInformational: "informational",
}

// Addresses of the sanity topology.
var (
	cliAddr = netip.MustParseAddr("192.0.2.10")
	gwAddr  = netip.MustParseAddr("192.0.2.1")
	lanAddr = netip.MustParseAddr("198.51.100.10")
	pool    = netip.MustParsePrefix("203.0.113.0/24")
	dnsAddr = netip.MustParseAddr("198.51.100.53")
)

// sanity is one strongSwan client ↔ strongSwan gateway run.
type sanity struct {
	t            *testing.T
	topo         *netns.Topology
	cli, gw, lan *netns.Host
	capture      *netns.Capture
	client, gate *netns.StrongSwan
	cipher       netns.IKECipher
	filter       string // capture filter; default "udp"
	wantCookie   bool   // the gateway must have asked for a COOKIE
}

// TestStrongSwanGoldenSanity proves the harness with strongSwan on both
// ends: PSK, then EAP-MSCHAPv2 behind an RSA gateway certificate; each
// establishes, gets a virtual IP and DNS, pings a LAN host through the
// kernel-libipsec tunnel (ipsec0, table 220), rekeys, sees DPD and
// terminates; tshark must flag nothing. The IKE messages of each run
// become golden files with -update-golden.
func TestStrongSwanGoldenSanity(t *testing.T) {
	netns.RequireStrongSwan(t)
	netns.RequireTshark(t)
	t.Run("psk", func(t *testing.T) {
		t.Parallel()
		s := newSanity(t, "gpsk")
		// A half-open SA from a third host and cookie_threshold = 1 make
		// the gateway demand a COOKIE; the third host stays out of the
		// capture, so the golden files hold only strongSwan's messages.
		spam := s.topo.AddHost("spam", spamAddr)
		s.filter = "udp and not host " + spamAddr.String()
		gw := netns.GatewaySpec{
			Addr: gwAddr, ID: "gw.flexvpn.test", PSK: "sanity psk 0123456789",
			Pool: pool, DNS: []netip.Addr{dnsAddr},
		}.Config()
		gw.Settings = append(gw.Settings, "cookie_threshold = 1")
		s.startConfig(gw, netns.ClientSpec{
			Gateway: gwAddr, GatewayID: "gw.flexvpn.test", ID: "cli.flexvpn.test",
			PSK: "sanity psk 0123456789", VirtualIP: true, DPD: time.Second,
		})
		s.halfOpen(spam)
		s.wantCookie = true
		s.exercise()
		s.finish("psk", nil)
	})
	t.Run("eap", func(t *testing.T) {
		t.Parallel()
		ca := pki.MustCA(t, pki.RSA2048, "flexvpn sanity CA")
		gwCert := ca.MustGateway(t, pki.RSA2048, "gw.flexvpn.test", gwAddr)
		s := newSanity(t, "geap")
		gw := netns.GatewaySpec{
			Addr: gwAddr, ID: "gw.flexvpn.test", Cert: gwCert.CertPEM, Key: gwCert.KeyPEM,
			RemoteAuth: "eap-mschapv2", Users: map[string]string{"alice": "Secr3t pass"},
			Pool: pool, DNS: []netip.Addr{dnsAddr},
			Proposals:   []string{"aes128gcm16-prfsha256-ecp256"},
			PoolOptions: map[string]string{"28672": "flexvpn sanity banner", "28675": "corp.flexvpn.test"},
		}.Config()
		// Small fragments split the certificate-bearing IKE_AUTH
		// response into RFC 7383 SKF payloads for the golden set.
		gw.Settings = append(gw.Settings, "fragment_size = 576")
		s.startConfig(gw, netns.ClientSpec{
			Gateway: gwAddr, GatewayID: "gw.flexvpn.test", ID: "alice", Auth: "eap-mschapv2",
			EAPPassword: "Secr3t pass", CACert: ca.CertPEM, VirtualIP: true, DPD: time.Second,
			Proposals: []string{"aes128gcm16-prfsha256-ecp256"},
		})
		s.exercise()
		if !strings.Contains(s.gate.Log(), "authentication of 'alice' with EAP successful") {
			t.Errorf("gateway log does not show EAP authentication of alice")
		}
		// Unity banner and split-DNS name must reach the client in CP.
		s.finish("eap", map[uint16]string{28672: "flexvpn sanity banner", 28675: "corp.flexvpn.test"})
	})
	t.Run("cert", func(t *testing.T) {
		t.Parallel()
		certScenario(t)
	})
}

// Notify types the cert scenario checks for (RFC 7296, RFC 5685).
const (
	notifyInvalidKE      = 17
	notifyRedirect       = 16407
	notifyRedirectedFrom = 16408
)

// gw2Addr is the second gateway the cert scenario redirects to;
// spamAddr leaves a half-open SA on the gateway in the psk scenario.
var (
	gw2Addr  = netip.MustParseAddr("192.0.2.2")
	spamAddr = netip.MustParseAddr("192.0.2.66")
)

// notifyCookie is the COOKIE notify type (RFC 7296 3.10.1).
const notifyCookie = 16390

// halfOpen leaves a half-open IKE SA on the gateway and waits until the
// gateway lists it.
func (s *sanity) halfOpen(from *netns.Host) {
	if err := netns.HalfOpenIKESA(from, gwAddr); err != nil {
		s.t.Fatal(err)
	}
	netns.WaitFor(s.t, 5*time.Second, func() error {
		if sas, err := s.gate.ListSAs(); err != nil || len(sas) == 0 {
			return fmt.Errorf("no half-open SA on the gateway yet (%v)", err)
		}
		return nil
	})
}

// certScenario: ECDSA certificates both ways; the client's first KE
// group is refused (INVALID_KE_PAYLOAD, then a retry); the CHILD_SA is
// rekeyed with PFS (KE in CREATE_CHILD_SA); the gateway redirects the
// client (REDIRECT in INFORMATIONAL) to a second gateway, where the new
// IKE_SA_INIT carries REDIRECTED_FROM; then the client terminates.
func certScenario(t *testing.T) {
	ca := pki.MustCA(t, pki.ECDSAP256, "flexvpn sanity CA")
	s := newSanity(t, "gcert")
	gw2 := s.topo.AddHost("gw2", gw2Addr)
	s.topo.AddLAN(gw2, "lan2", lanAddr) // see GatewaySpec.LocalTS
	cliCert := ca.MustClient(t, pki.ECDSAP256, "carol@flexvpn.test")
	gwSpec := func(addr netip.Addr) netns.Config {
		cert := ca.MustGateway(t, pki.ECDSAP256, "gw.flexvpn.test", addr)
		return netns.GatewaySpec{
			Addr: addr, ID: "gw.flexvpn.test", Cert: cert.CertPEM, Key: cert.KeyPEM, CACert: ca.CertPEM,
			RemoteAuth: "pubkey", Pool: pool, DNS: []netip.Addr{dnsAddr},
			Proposals:    []string{"aes256gcm16-prfsha384-curve25519"},
			ESPProposals: []string{"aes256gcm16-ecp256"},
		}.Config()
	}
	s.startConfig(gwSpec(gwAddr), netns.ClientSpec{
		Gateway: gwAddr, GatewayID: "gw.flexvpn.test", ID: "carol@flexvpn.test", Auth: "pubkey",
		Cert: cliCert.CertPEM, Key: cliCert.KeyPEM, CACert: ca.CertPEM, VirtualIP: true,
		// ecp384 first: the gateway wants curve25519 and says so.
		Proposals:    []string{"aes256gcm16-prfsha384-ecp384-curve25519"},
		ESPProposals: []string{"aes256gcm16-ecp256"},
	})
	second := netns.StartStrongSwan(t, gw2, gwSpec(gw2Addr))
	if err := s.client.Initiate(netns.ChildName); err != nil {
		t.Fatal(err)
	}
	sa := s.client.WaitSA(netns.ClientConn, true, 15*time.Second)
	s.cipher = sa.Cipher()
	netns.WaitFor(t, 10*time.Second, func() error { return s.cli.Ping(lanAddr) })
	old, _ := sa.Child(netns.ChildName)
	if err := s.client.RekeyChild(netns.ChildName); err != nil {
		t.Fatal(err)
	}
	s.waitNewChild(old.SPIIn)
	if err := s.gate.Redirect(cliAddr, gw2Addr.String()); err != nil {
		t.Fatal(err)
	}
	if rsa := second.WaitSA(netns.GatewayConn, true, 15*time.Second); rsa.RemoteID != "carol@flexvpn.test" {
		t.Errorf("second gateway sees %q", rsa.RemoteID)
	}
	netns.WaitFor(t, 10*time.Second, func() error { return s.cli.Ping(lanAddr) })
	if err := s.client.Terminate(netns.ClientConn); err != nil {
		t.Fatal(err)
	}
	netns.WaitFor(t, 10*time.Second, func() error { return noSAs(second) })
	s.finishCert()
}

// waitNewChild waits for an installed CHILD_SA with a new inbound SPI.
func (s *sanity) waitNewChild(oldSPI string) {
	// The old inbound SA lingers (charon.delete_rekeyed_delay, 5 s), so
	// look for a new installed one rather than for a single child.
	netns.WaitFor(s.t, 10*time.Second, func() error {
		sa := s.client.WaitSA(netns.ClientConn, true, 5*time.Second)
		for _, c := range sa.Children {
			if c.State == "INSTALLED" && c.SPIIn != oldSPI {
				return nil
			}
		}
		return fmt.Errorf("CHILD_SA not rekeyed yet: %+v", sa.Children)
	})
}

// finishCert checks the cert scenario's capture: tshark, decryption,
// and the notifies and payloads the scenario exists to produce.
func (s *sanity) finishCert() {
	t := s.t
	pcap := s.capture.Stop()
	ds, err := netns.IKEDatagrams(pcap)
	if err != nil {
		t.Fatal(err)
	}
	ds = netns.Dedupe(ds)
	s.checkTshark(pcap, ds)
	inner := s.decryptAll(ds)
	var notifies []uint16
	pfs := false
	for i, d := range ds {
		if ps, err := d.OuterPayloads(); err == nil {
			notifies = append(notifies, netns.NotifyTypes(ps)...)
		}
		if dec, ok := inner[i]; ok {
			ps, _ := netns.WalkChain(dec.NextPayload, dec.Inner)
			notifies = append(notifies, netns.NotifyTypes(ps)...)
			types, _ := netns.InnerPayloadTypes(dec.NextPayload, dec.Inner)
			pfs = pfs || (d.Exchange() == exCreateChildSA && strings.Contains(payloadList(types), "TSi") &&
				strings.Contains(payloadList(types), "KE"))
		}
	}
	for _, n := range []uint16{notifyInvalidKE, notifyRedirect, notifyRedirectedFrom} {
		if !slices.Contains(notifies, n) {
			t.Errorf("no notify %d in the capture (have %v)", n, notifies)
		}
	}
	if !pfs {
		t.Error("no CREATE_CHILD_SA with KE and TS (CHILD_SA rekey with PFS)")
	}
	if *updateGolden {
		writeGolden(t, "cert", ds, inner)
	} else if names, _ := filepath.Glob(filepath.Join(goldenDir, "cert_*.bin")); len(names) == 0 {
		t.Errorf("no golden files for cert in %s: run go test ./test/interop -run Golden -update-golden", goldenDir)
	}
}

func newSanity(t *testing.T, name string) *sanity {
	topo := netns.NewTopology(t, name)
	s := &sanity{t: t, topo: topo}
	s.cli = topo.AddHost("cli", cliAddr)
	s.gw = topo.AddHost("gw", gwAddr)
	s.lan = topo.AddLAN(s.gw, "lan", lanAddr)
	return s
}

// start captures the inet bridge and starts both daemons.
func (s *sanity) start(g netns.GatewaySpec, c netns.ClientSpec) {
	s.startConfig(g.Config(), c)
}

// startConfig is start with a hand-tuned gateway configuration. The
// client logs its IKE keys so the test can decrypt every SK payload.
func (s *sanity) startConfig(g netns.Config, c netns.ClientSpec) {
	if s.filter == "" {
		s.filter = "udp"
	}
	s.capture = s.topo.Inet().Capture("br0", s.filter)
	s.gate = netns.StartStrongSwan(s.t, s.gw, g)
	cc := c.Config()
	cc.LogLevels = netns.KeyLogLevels
	s.client = netns.StartStrongSwan(s.t, s.cli, cc)
}

// exercise establishes, pings through the tunnel, checks both ends
// agree on the SA, rekeys the CHILD_SA and the IKE_SA, waits for one DPD
// and terminates.
func (s *sanity) exercise() {
	t := s.t
	t0 := time.Now()
	step := func(what string) { t.Logf("%6.2fs %s", time.Since(t0).Seconds(), what) }
	if err := s.client.Initiate(netns.ChildName); err != nil {
		t.Fatal(err)
	}
	sa := s.client.WaitSA(netns.ClientConn, true, 15*time.Second)
	s.cipher = sa.Cipher()
	step("established")
	if len(sa.LocalVIPs) != 1 || !pool.Contains(sa.LocalVIPs[0]) {
		t.Fatalf("client virtual IPs %v, want one from %v", sa.LocalVIPs, pool)
	}
	netns.WaitFor(t, 10*time.Second, func() error { return s.cli.Ping(lanAddr) })
	s.checkTunnelRoute(sa.LocalVIPs[0])
	if rc := s.client.ResolvConf(); !strings.Contains(rc, dnsAddr.String()) {
		t.Errorf("client resolv.conf lacks pushed DNS %s:\n%s", dnsAddr, rc)
	}
	gsa := s.gate.WaitSA(netns.GatewayConn, true, 5*time.Second)
	if gsa.SPIi != sa.SPIi || len(gsa.RemoteVIPs) != 1 || gsa.RemoteVIPs[0] != sa.LocalVIPs[0] {
		t.Errorf("gateway SA %s with VIPs %v, client %s with %v", gsa.SPIi, gsa.RemoteVIPs, sa.SPIi, sa.LocalVIPs)
	}
	step("pinged LAN")
	s.rekey(sa)
	step("rekeyed")
	s.waitDPD()
	step("DPD")
	if err := s.client.Terminate(netns.ClientConn); err != nil {
		t.Fatal(err)
	}
	// Not WaitNoSAs: the psk scenario's half-open SA (no name) stays
	// until the gateway's half-open timeout.
	netns.WaitFor(t, 10*time.Second, func() error { return noConn(s.gate, netns.GatewayConn) })
	step("terminated")
}

// checkTunnelRoute checks that traffic to the LAN leaves through ipsec0
// via strongSwan's routing table 220 with the virtual IP as source.
func (s *sanity) checkTunnelRoute(vip netip.Addr) {
	out := s.cli.IP("route", "show", "table", "220")
	if !strings.Contains(out, netns.LANPrefix.String()+" dev ipsec0") || !strings.Contains(out, "src "+vip.String()) {
		s.t.Errorf("table 220 lacks the LAN route via ipsec0 from %s:\n%s", vip, out)
	}
}

// rekey rekeys the CHILD_SA, then the IKE_SA, waiting for each to show.
func (s *sanity) rekey(before netns.IKESA) {
	t := s.t
	oldChild, _ := before.Child(netns.ChildName)
	if err := s.client.RekeyChild(netns.ChildName); err != nil {
		t.Fatal(err)
	}
	s.waitNewChild(oldChild.SPIIn)
	if err := s.client.RekeyIKE(netns.ClientConn); err != nil {
		t.Fatal(err)
	}
	netns.WaitFor(t, 10*time.Second, func() error {
		sas, err := s.client.ListSAs()
		if err != nil {
			return err
		}
		if len(sas) != 1 || sas[0].SPIi == before.SPIi || sas[0].State != "ESTABLISHED" {
			return fmt.Errorf("IKE_SA not rekeyed yet: %d SAs", len(sas))
		}
		return nil
	})
}

// waitDPD waits until the client (dpd_delay 1s, now idle) has sent a
// liveness check and got the answer.
func (s *sanity) waitDPD() {
	netns.WaitFor(s.t, 15*time.Second, func() error {
		if !strings.Contains(s.client.Log(), "sending DPD request") {
			return fmt.Errorf("no DPD yet")
		}
		sas, err := s.client.ListSAs()
		if err != nil || len(sas) != 1 || sas[0].State != "ESTABLISHED" {
			return fmt.Errorf("SA not idle after DPD: %v %v", sas, err)
		}
		return nil
	})
}

// noConn reports an error while s lists an IKE_SA of connection conn.
func noConn(s *netns.StrongSwan, conn string) error {
	sas, err := s.ListSAs()
	for _, sa := range sas {
		if sa.Name == conn {
			return fmt.Errorf("%s still has IKE_SA %s in %s", s.Host.Name, conn, sa.State)
		}
	}
	return err
}

func noSAs(s *netns.StrongSwan) error {
	sas, err := s.ListSAs()
	if err == nil && len(sas) != 0 {
		return fmt.Errorf("%d IKE_SAs remain", len(sas))
	}
	return err
}

// finish stops the capture, checks it with tshark and the expected
// exchange sequence, decrypts every protected message, checks the CP
// reply (an address from the pool and the wantCP attributes), and writes
// golden files when asked.
func (s *sanity) finish(scenario string, wantCP map[uint16]string) {
	t := s.t
	pcap := s.capture.Stop()
	ds, err := netns.IKEDatagrams(pcap)
	if err != nil {
		t.Fatal(err)
	}
	s.checkTshark(pcap, ds)
	ds = netns.Dedupe(ds)
	checkSequence(t, ds)
	if s.wantCookie {
		checkCookie(t, ds)
	}
	inner := s.decryptAll(ds)
	checkCP(t, ds, inner, wantCP)
	if *updateGolden {
		writeGolden(t, scenario, ds, inner)
	} else if names, _ := filepath.Glob(filepath.Join(goldenDir, scenario+"_*.bin")); len(names) == 0 {
		t.Errorf("no golden files for %s in %s: run go test ./test/interop -run Golden -update-golden", scenario, goldenDir)
	}
}

// decryptAll decrypts every protected message with the client's logged
// keys (see netns.DecryptAll); any failure fails the test.
func (s *sanity) decryptAll(ds []netns.IKEDatagram) map[int]netns.Decrypted {
	keys := netns.ParseIKEKeys(s.client.Log())
	if len(keys) < 2 {
		s.t.Fatalf("found %d IKE key sets in the client log, want at least two IKE SAs", len(keys))
	}
	inner, err := netns.DecryptAll(ds, s.cipher, keys)
	if err != nil {
		s.t.Error(err)
	}
	return inner
}

// checkCP finds the CFG_REPLY in the decrypted IKE_AUTH responses: it
// must assign an INTERNAL_IP4_ADDRESS (1) from the pool and carry each
// wanted attribute value.
func checkCP(t *testing.T, ds []netns.IKEDatagram, inner map[int]netns.Decrypted, want map[uint16]string) {
	t.Helper()
	var attrs []netns.CPAttr
	for i, dec := range inner {
		ps, _ := netns.WalkChain(dec.NextPayload, dec.Inner)
		if typ, a, ok := netns.CPAttributes(ps); ok && typ == 2 && ds[i].Exchange() == exIKEAuth {
			attrs = a
		}
	}
	got := map[uint16]string{}
	for _, a := range attrs {
		got[a.Type] = string(a.Value)
	}
	if addr, ok := netip.AddrFromSlice([]byte(got[1])); !ok || !pool.Contains(addr) {
		t.Errorf("CFG_REPLY assigns %x, want an address from %v (attributes %v)", got[1], pool, got)
	}
	for typ, w := range want {
		if got[typ] != w {
			t.Errorf("CFG_REPLY attribute %d = %q, want %q", typ, got[typ], w)
		}
	}
}

// checkTshark runs tshark with the client's logged keys, so it
// dissects the inner payloads too: nothing may be malformed, and the CP
// payloads inside IKE_AUTH (request and reply) must be visible, which
// proves the decryption table reached tshark.
func (s *sanity) checkTshark(pcap string, ds []netns.IKEDatagram) {
	t := s.t
	keys := netns.ParseIKEKeys(s.client.Log())
	args, err := netns.TsharkDecryptArgs(netns.MatchIKEKeys(ds, s.cipher, keys))
	if err != nil {
		t.Fatal(err)
	}
	if n := netns.CheckNoMalformed(t, pcap, args...); n < 8 {
		t.Errorf("only %d IKE frames captured", n)
	}
	n, err := netns.CountFrames(pcap, "isakmp.typepayload == 47", args...)
	if err != nil || n < 2 {
		t.Errorf("tshark dissected CP in %d frames (%v), want request and reply", n, err)
	}
}

// checkCookie asserts the COOKIE round: the first response is a lone
// N(COOKIE) and the retried request starts with it (RFC 7296 2.6).
func checkCookie(t *testing.T, ds []netns.IKEDatagram) {
	t.Helper()
	resp, _ := ds[1].OuterPayloads()
	retry, _ := ds[2].OuterPayloads()
	if n := netns.NotifyTypes(resp); len(n) != 1 || n[0] != notifyCookie || ds[2].Exchange() != exIKESAInit {
		t.Fatalf("first IKE_SA_INIT response notifies %v, want a lone COOKIE and a retry", n)
	}
	if n := netns.NotifyTypes(retry); len(n) == 0 || n[0] != notifyCookie || retry[0].Type != netns.NotifyPayload {
		t.Errorf("retried IKE_SA_INIT does not start with the COOKIE: %v", n)
	}
}

// checkSequence asserts the exchanges the scenario must have produced:
// IKE_SA_INIT first on port 500, everything else on 4500, at least
// two CREATE_CHILD_SA pairs (CHILD and IKE rekey) and INFORMATIONALs
// (delete after the IKE rekey, DPD, final delete).
func checkSequence(t *testing.T, ds []netns.IKEDatagram) {
	t.Helper()
	if len(ds) < 2 || ds[0].Exchange() != exIKESAInit || ds[0].Response() || ds[0].Dst.Port() != 500 {
		t.Fatalf("capture does not start with an IKE_SA_INIT request on port 500")
	}
	count := map[uint8]int{}
	for _, d := range ds {
		if d.Exchange() == exIKESAInit {
			continue
		}
		count[d.Exchange()]++
		if d.Src.Port() != 4500 || d.Dst.Port() != 4500 {
			t.Errorf("frame %d %s not on 4500 after the NAT float: %v -> %v", d.Frame, exchangeNames[d.Exchange()], d.Src, d.Dst)
		}
	}
	if count[exIKEAuth] < 2 || count[exCreateChildSA] < 4 || count[exInformational] < 6 {
		t.Errorf("exchange counts after IKE_SA_INIT %v: want >=2 IKE_AUTH, >=4 CREATE_CHILD_SA, >=6 INFORMATIONAL", count)
	}
}

// writeGolden replaces the scenario's files with one .bin (raw IKE
// message) and one .payloads (outer payload types as tshark saw them)
// per message, named <scenario>_<exchange>_<req|resp>[_<n>], plus
// .inner/.inner.payloads with the decrypted inner payload chain.
func writeGolden(t *testing.T, scenario string, ds []netns.IKEDatagram, inner map[int]netns.Decrypted) {
	old, _ := filepath.Glob(filepath.Join(goldenDir, scenario+"_*"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(goldenDir, 0o755); err != nil {
		t.Fatal(err)
	}
	names := goldenNames(scenario, ds)
	for i, d := range ds {
		base := filepath.Join(goldenDir, names[i])
		if err := os.WriteFile(base+".bin", d.Message, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(base+".payloads", []byte(payloadList(d.PayloadTypes)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if dec, ok := inner[i]; ok {
			writeInner(t, base, dec)
		}
	}
	t.Logf("wrote %d golden messages for %s to %s", len(ds), scenario, goldenDir)
}

// goldenNames numbers messages of the same exchange and direction in
// capture order; a message that is the only one of its kind gets no
// number.
func goldenNames(scenario string, ds []netns.IKEDatagram) []string {
	kind := func(d netns.IKEDatagram) string {
		dir := "req"
		if d.Response() {
			dir = "resp"
		}
		return fmt.Sprintf("%s_%s_%s", scenario, exchangeNames[d.Exchange()], dir)
	}
	total := map[string]int{}
	for _, d := range ds {
		total[kind(d)]++
	}
	seen := map[string]int{}
	names := make([]string, len(ds))
	for i, d := range ds {
		k := kind(d)
		seen[k]++
		names[i] = k
		if total[k] > 1 {
			names[i] = fmt.Sprintf("%s_%d", k, seen[k])
		}
	}
	return names
}

// writeInner writes the decrypted chain and its payload types; the
// first line of .inner.payloads is the chain, so a reader knows the type
// of the first payload without the outer message.
func writeInner(t *testing.T, base string, dec netns.Decrypted) {
	types, _ := netns.InnerPayloadTypes(dec.NextPayload, dec.Inner)
	if err := os.WriteFile(base+".inner", dec.Inner, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(base+".inner.payloads", []byte(payloadList(types)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func payloadList(types []uint8) string { return netns.PayloadNames(types) }
