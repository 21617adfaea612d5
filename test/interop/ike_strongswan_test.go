package interop

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"flexvpn/test/netns"
	"flexvpn/test/pki"
	"flexvpn/tunnel/ike"
	"flexvpn/tunnel/ike/eap"
	"flexvpn/tunnel/ike/wire"
)

// These tests run our IKE engine against strongSwan (charon with
// kernel-libipsec) in network namespaces. Only IKE is checked here: the
// ESP data plane is tunnel/datapath's business.

const (
	gwFQDN  = "gw.flexvpn.test"
	cliFQDN = "cli.flexvpn.test"
	ikePSK  = "interop psk 0123456789abcdef"
)

// ikeEvents collects one endpoint's events.
type ikeEvents struct {
	mu  sync.Mutex
	all []ike.Event
	ch  chan ike.Event
}

func newIKEEvents() *ikeEvents { return &ikeEvents{ch: make(chan ike.Event, 256)} }

func (r *ikeEvents) on(e ike.Event) {
	r.mu.Lock()
	r.all = append(r.all, e)
	r.mu.Unlock()
	select {
	case r.ch <- e:
	default:
	}
}

func (r *ikeEvents) wait(t *testing.T, k ike.EventKind, timeout time.Duration) ike.Event {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case e := <-r.ch:
			if e.Kind == k {
				return e
			}
		case <-deadline:
			t.Fatalf("no %v event within %v", k, timeout)
		}
	}
}

// ourEndpoint opens UDP 500/4500 on h's address inside h's namespace.
func ourEndpoint(t *testing.T, h *netns.Host, addr netip.Addr, responder *ike.Config, ev *ikeEvents) *ike.Endpoint {
	t.Helper()
	var tr *ike.UDPTransport
	if err := h.Do(func() (err error) {
		tr, err = ike.ListenUDP(addr, 0, 0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	ep, err := ike.NewEndpoint(ike.EndpointConfig{Transport: tr, Local: addr, Responder: responder, OnEvent: ev.on})
	if err != nil {
		tr.Close()
		t.Fatal(err)
	}
	tr.Serve(ep)
	t.Cleanup(func() {
		ep.Close()
		tr.Close()
	})
	return ep
}

func ikeLogger(t *testing.T, side string) *slog.Logger {
	if os.Getenv("IKE_DEBUG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("side", side)
	}
	return slog.New(slog.NewTextHandler(&testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo})).With("side", side)
}

type testWriter struct{ t *testing.T }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// initiatorCase is one "our client, strongSwan gateway" scenario.
type initiatorCase struct {
	name       string
	keyType    pki.KeyType // certificates when certs is true
	certs      bool
	forceEncap bool
	eap        bool // EAP-MSCHAPv2 client behind the gateway's certificate
	fragSize   int  // RFC 7383 fragments both ways at this size
}

// TestIKEInitiatorAgainstStrongSwan: our initiator establishes an IKE SA
// and its Child SA with a strongSwan responder (PSK, RSA and ECDSA
// certificates, forced UDP encapsulation), gets a virtual IP and DNS by
// CP, runs DPD, rekeys the Child SA and the IKE SA, and deletes. strongSwan
// must show the same SPIs; tshark must find nothing malformed.
func TestIKEInitiatorAgainstStrongSwan(t *testing.T) {
	netns.RequireStrongSwan(t)
	netns.RequireTshark(t)
	for _, tc := range []initiatorCase{
		{name: "psk"},
		{name: "rsa", keyType: pki.RSA2048, certs: true},
		{name: "ecdsa", keyType: pki.ECDSAP256, certs: true},
		{name: "encap", forceEncap: true},
		{name: "eap", keyType: pki.RSA2048, certs: true, eap: true},
		{name: "frag", keyType: pki.RSA2048, certs: true, fragSize: 400},
	} {
		t.Run(tc.name, func(t *testing.T) { runInitiatorCase(t, tc) })
	}
}

func runInitiatorCase(t *testing.T, tc initiatorCase) {
	topo := netns.NewTopology(t, "ii"+tc.name)
	cli := topo.AddHost("cli", cliAddr)
	gw := topo.AddHost("gw", gwAddr)
	topo.AddLAN(gw, "lan", lanAddr)
	capture := topo.Inet().Capture("br0", "udp")

	spec := netns.GatewaySpec{Addr: gwAddr, ID: gwFQDN, PSK: ikePSK, Pool: pool, DNS: []netip.Addr{dnsAddr}}
	cfg := ike.Config{LocalID: ike.FQDNIdentity(cliFQDN), RemoteID: ike.FQDNIdentity(gwFQDN), PSK: []byte(ikePSK),
		RequestConfig: true, ForceEncap: tc.forceEncap, Logger: ikeLogger(t, "flexvpn")}
	if tc.certs {
		ca := pki.MustCA(t, tc.keyType, "flexvpn interop CA")
		gwCert := ca.MustGateway(t, tc.keyType, gwFQDN, gwAddr)
		cliCert := ca.MustClient(t, tc.keyType, cliFQDN)
		spec.PSK, spec.Cert, spec.Key, spec.CACert, spec.RemoteAuth = "", gwCert.CertPEM, gwCert.KeyPEM, ca.CertPEM, "pubkey"
		cfg.PSK, cfg.Certificates, cfg.Signer = nil, []*x509.Certificate{cliCert.Cert}, cliCert.Key
		cfg.CAs = []*x509.Certificate{ca.Cert.Cert}
	}
	if tc.eap {
		useEAP(&spec, &cfg)
	}
	swanCfg := spec.Config()
	if tc.fragSize > 0 {
		cfg.FragmentSize = tc.fragSize
		swanCfg.Settings = append(swanCfg.Settings, fmt.Sprintf("fragment_size = %d", tc.fragSize))
	}
	swan := netns.StartStrongSwan(t, gw, swanCfg)
	ev := newIKEEvents()
	ep := ourEndpoint(t, cli, cliAddr, nil, ev)

	// IKE_SA_INIT on 500, then IKE_AUTH on 4500 (strongSwan's
	// kernel-libipsec fakes a NAT, or we do with ForceEncap).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sa, err := ep.Initiate(ctx, cfg, netip.AddrPortFrom(gwAddr, 500))
	if err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	if err := sa.WaitUp(wctx); err != nil {
		t.Fatalf("our initiator: %v\n%s", err, swan.Log())
	}
	up := ev.wait(t, ike.EventUp, time.Second)
	if up.Config == nil || len(up.Config.Addresses) != 1 || !pool.Contains(up.Config.Addresses[0].Addr()) {
		t.Fatalf("CP reply %+v, want an address from %v", up.Config, pool)
	}
	if len(up.Config.DNS) != 1 || up.Config.DNS[0] != dnsAddr {
		t.Errorf("DNS %v, want %v", up.Config.DNS, dnsAddr)
	}
	child := ev.wait(t, ike.EventChildUp, time.Second).Child
	gsa := swan.WaitSA(netns.GatewayConn, true, 10*time.Second)
	checkSameSA(t, sa, child, gsa)

	// DPD: an empty INFORMATIONAL that strongSwan answers.
	sa.DPD()
	time.Sleep(200 * time.Millisecond)
	if sa.State() != ike.StateEstablished {
		t.Fatalf("state after DPD %v", sa.State())
	}

	// Child SA rekey, then IKE SA rekey; strongSwan must follow.
	if err := sa.RekeyChild(child.InSPI); err != nil {
		t.Fatal(err)
	}
	newChild := ev.wait(t, ike.EventChildRekeyed, 10*time.Second).Child
	netns.WaitFor(t, 10*time.Second, func() error { return swanHasChild(swan, newChild) })
	sa.RekeyIKE()
	ev.wait(t, ike.EventIKERekeyed, 10*time.Second)
	netns.WaitFor(t, 10*time.Second, func() error {
		sas, err := swan.ListSAs()
		if err != nil || len(sas) != 1 {
			return fmt.Errorf("gateway SAs %d, %v", len(sas), err)
		}
		spii, _ := sa.SPIs()
		if !strings.EqualFold(sas[0].SPIi, fmt.Sprintf("%016x", spii)) || sas[0].State != "ESTABLISHED" {
			return fmt.Errorf("gateway SA %s %s, ours %016x", sas[0].SPIi, sas[0].State, spii)
		}
		return nil
	})

	// Delete: strongSwan answers and forgets the SA.
	cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer ccancel()
	if err := sa.Close(cctx); err != nil {
		t.Fatal(err)
	}
	netns.WaitFor(t, 10*time.Second, func() error { return noSAs(swan) })
	pcap := capture.Stop()
	checkCapture(t, pcap, 10)
	if tc.fragSize > 0 {
		checkFragments(t, pcap)
	}
}

// checkFragments: both sides sent IKE_AUTH as SKF fragments (payload 53).
func checkFragments(t *testing.T, pcap string) {
	t.Helper()
	ds, err := netns.IKEDatagrams(pcap)
	if err != nil {
		t.Fatal(err)
	}
	var req, resp int
	for _, d := range ds {
		if d.Exchange() != exIKEAuth || len(d.PayloadTypes) == 0 || d.PayloadTypes[0] != 53 {
			continue
		}
		if d.Response() {
			resp++
		} else {
			req++
		}
	}
	if req < 2 || resp < 2 {
		t.Errorf("IKE_AUTH fragments: %d request, %d response; want several each", req, resp)
	}
}

// useEAP switches the client to EAP-MSCHAPv2: the gateway asks for the
// EAP identity and checks the password; only its certificate is checked
// with public keys.
func useEAP(spec *netns.GatewaySpec, cfg *ike.Config) {
	spec.RemoteAuth = "eap-mschapv2"
	spec.Users = map[string]string{"alice": "Secr3t pass"}
	cfg.Certificates, cfg.Signer = nil, nil
	cfg.EAP = func() (ike.EAPClient, error) {
		return eap.NewPeer(eap.PeerConfig{Credentials: func(context.Context, eap.CredentialRequest) (eap.Credentials, error) {
			return eap.Credentials{Username: "alice", Password: "Secr3t pass"}, nil
		}})
	}
}

// checkSameSA compares our view with strongSwan's list-sas output.
func checkSameSA(t *testing.T, sa *ike.SA, child *ike.ChildSA, gsa netns.IKESA) {
	t.Helper()
	spii, spir := sa.SPIs()
	if !strings.EqualFold(gsa.SPIi, fmt.Sprintf("%016x", spii)) || !strings.EqualFold(gsa.SPIr, fmt.Sprintf("%016x", spir)) {
		t.Errorf("IKE SPIs: gateway %s/%s, ours %016x/%016x", gsa.SPIi, gsa.SPIr, spii, spir)
	}
	gc, ok := gsa.Child(netns.ChildName)
	if !ok {
		t.Fatalf("gateway has no child %q", netns.ChildName)
	}
	if !strings.EqualFold(gc.SPIIn, fmt.Sprintf("%08x", child.OutSPI)) || !strings.EqualFold(gc.SPIOut, fmt.Sprintf("%08x", child.InSPI)) {
		t.Errorf("ESP SPIs: gateway in %s out %s, ours %s", gc.SPIIn, gc.SPIOut, child)
	}
	if !gc.Encap || !child.Encap {
		t.Errorf("UDP encapsulation: gateway %v, ours %v", gc.Encap, child.Encap)
	}
}

func swanHasChild(s *netns.StrongSwan, c *ike.ChildSA) error {
	sas, err := s.ListSAs()
	if err != nil {
		return err
	}
	for _, sa := range sas {
		for _, ch := range sa.Children {
			if ch.State == "INSTALLED" && strings.EqualFold(ch.SPIOut, fmt.Sprintf("%08x", c.InSPI)) {
				return nil
			}
		}
	}
	return fmt.Errorf("gateway has no installed child with out SPI %08x", c.InSPI)
}

// checkCapture: nothing malformed, IKE_SA_INIT on 500 and all later
// exchanges on 4500.
func checkCapture(t *testing.T, pcap string, minFrames int) {
	t.Helper()
	if n := netns.CheckNoMalformed(t, pcap); n < minFrames {
		t.Errorf("only %d IKE frames captured", n)
	}
	ds, err := netns.IKEDatagrams(pcap)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		init := d.Exchange() == exIKESAInit
		if init && d.Dst.Port() != 500 && d.Src.Port() != 500 {
			t.Errorf("frame %d: IKE_SA_INIT not on port 500", d.Frame)
		}
		if !init && (d.Src.Port() != 4500 || d.Dst.Port() != 4500) {
			t.Errorf("frame %d: %s on %v -> %v, want 4500", d.Frame, exchangeNames[d.Exchange()], d.Src, d.Dst)
		}
	}
}

// TestIKEResponderAgainstStrongSwan: a strongSwan road warrior
// establishes with our responder (PSK, and certificates both ways), asks
// for a virtual IP which our CP provider hands out, and later deletes.
func TestIKEResponderAgainstStrongSwan(t *testing.T) {
	netns.RequireStrongSwan(t)
	netns.RequireTshark(t)
	for _, certs := range []bool{false, true} {
		name := "psk"
		if certs {
			name = "ecdsa"
		}
		t.Run(name, func(t *testing.T) { runResponderCase(t, name, certs) })
	}
}

func runResponderCase(t *testing.T, name string, certs bool) {
	topo := netns.NewTopology(t, "ir"+name)
	cli := topo.AddHost("cli", cliAddr)
	gw := topo.AddHost("gw", gwAddr)
	topo.AddLAN(gw, "lan", lanAddr)
	capture := topo.Inet().Capture("br0", "udp")

	vip := netip.MustParseAddr("203.0.113.7")
	resp := ike.Config{LocalID: ike.FQDNIdentity(gwFQDN), PSK: []byte(ikePSK), Logger: ikeLogger(t, "flexvpn"),
		LocalTS: []wire.TrafficSelector{wire.SelectorFromPrefix(netns.LANPrefix)},
		ConfigProvider: func(_ context.Context, _ ike.PeerInfo, req []wire.CPAttr) ([]wire.CPAttr, error) {
			return []wire.CPAttr{
				{Type: wire.INTERNAL_IP4_ADDRESS, Value: vip.AsSlice()},
				{Type: wire.INTERNAL_IP4_DNS, Value: dnsAddr.AsSlice()},
			}, nil
		}}
	spec := netns.ClientSpec{Gateway: gwAddr, GatewayID: gwFQDN, ID: cliFQDN, PSK: ikePSK, VirtualIP: true}
	if certs {
		ca := pki.MustCA(t, pki.ECDSAP256, "flexvpn interop CA")
		gwCert := ca.MustGateway(t, pki.ECDSAP256, gwFQDN, gwAddr)
		cliCert := ca.MustClient(t, pki.ECDSAP256, cliFQDN)
		resp.PSK, resp.Certificates, resp.Signer = nil, []*x509.Certificate{gwCert.Cert}, gwCert.Key
		resp.CAs = []*x509.Certificate{ca.Cert.Cert}
		spec.PSK, spec.Auth, spec.Cert, spec.Key, spec.CACert = "", "pubkey", cliCert.CertPEM, cliCert.KeyPEM, ca.CertPEM
	}
	ev := newIKEEvents()
	ourEndpoint(t, gw, gwAddr, &resp, ev)
	swan := netns.StartStrongSwan(t, cli, spec.Config())
	if err := swan.Initiate(netns.ChildName); err != nil {
		t.Fatalf("strongSwan initiate: %v\n%s", err, swan.Log())
	}
	csa := swan.WaitSA(netns.ClientConn, true, 15*time.Second)
	up := ev.wait(t, ike.EventUp, 5*time.Second)
	if !up.Peer.Equal(ike.FQDNIdentity(cliFQDN)) {
		t.Errorf("peer identity %s", up.Peer)
	}
	if len(csa.LocalVIPs) != 1 || csa.LocalVIPs[0] != vip {
		t.Errorf("strongSwan virtual IPs %v, want %v", csa.LocalVIPs, vip)
	}
	child := ev.wait(t, ike.EventChildUp, time.Second).Child
	cc, ok := csa.Child(netns.ChildName)
	if !ok || !strings.EqualFold(cc.SPIIn, fmt.Sprintf("%08x", child.OutSPI)) {
		t.Errorf("strongSwan child %+v, ours %s", cc, child)
	}
	if len(child.RemoteTS) != 1 || child.RemoteTS[0].Start != vip || child.RemoteTS[0].End != vip {
		t.Errorf("TSi not narrowed to the virtual IP: %v", child.RemoteTS)
	}
	// strongSwan rekeys its Child SA, then the IKE SA; we answer both.
	if err := swan.RekeyChild(netns.ChildName); err != nil {
		t.Fatal(err)
	}
	ev.wait(t, ike.EventChildRekeyed, 10*time.Second)
	if err := swan.RekeyIKE(netns.ClientConn); err != nil {
		t.Fatal(err)
	}
	ev.wait(t, ike.EventIKERekeyed, 10*time.Second)
	netns.WaitFor(t, 10*time.Second, func() error {
		sas, err := swan.ListSAs()
		if err != nil || len(sas) != 1 || sas[0].SPIi == csa.SPIi || sas[0].State != "ESTABLISHED" {
			return fmt.Errorf("strongSwan IKE SA not rekeyed: %v %v", sas, err)
		}
		return nil
	})
	if err := swan.Terminate(netns.ClientConn); err != nil {
		t.Fatal(err)
	}
	closed := ev.wait(t, ike.EventClosed, 10*time.Second)
	if !errors.Is(closed.Err, ike.ErrPeerDeleted) {
		t.Errorf("our SA ended with %v", closed.Err)
	}
	checkCapture(t, capture.Stop(), 6)
}

// TestIKERedirectFromStrongSwan: a strongSwan gateway redirects our
// established client (RFC 5685 REDIRECT in INFORMATIONAL); we report the
// new gateway and delete the SA.
func TestIKERedirectFromStrongSwan(t *testing.T) {
	netns.RequireStrongSwan(t)
	topo := netns.NewTopology(t, "irdr")
	cli := topo.AddHost("cli", cliAddr)
	gw := topo.AddHost("gw", gwAddr)
	topo.AddLAN(gw, "lan", lanAddr)
	spec := netns.GatewaySpec{Addr: gwAddr, ID: gwFQDN, PSK: ikePSK, Pool: pool}
	swan := netns.StartStrongSwan(t, gw, spec.Config())
	ev := newIKEEvents()
	ep := ourEndpoint(t, cli, cliAddr, nil, ev)
	cfg := ike.Config{LocalID: ike.FQDNIdentity(cliFQDN), RemoteID: ike.FQDNIdentity(gwFQDN), PSK: []byte(ikePSK),
		RequestConfig: true, Logger: ikeLogger(t, "flexvpn")}
	sa, err := ep.Initiate(context.Background(), cfg, netip.AddrPortFrom(gwAddr, 500))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := sa.WaitUp(ctx); err != nil {
		t.Fatal(err)
	}
	swan.WaitSA(netns.GatewayConn, true, 10*time.Second)
	if err := swan.Redirect(cliAddr, "192.0.2.99"); err != nil {
		t.Fatal(err)
	}
	rd := ev.wait(t, ike.EventRedirect, 10*time.Second)
	if rd.Redirect.Addr != netip.MustParseAddr("192.0.2.99") {
		t.Fatalf("redirected to %v", rd.Redirect)
	}
	select {
	case <-sa.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("SA not deleted after the redirect")
	}
	netns.WaitFor(t, 10*time.Second, func() error { return noSAs(swan) })
}
