package server_test

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/tun"

	"flexvpn/client"
	"flexvpn/platform/tunif/tunfake"
	"flexvpn/tunnel/ike"
)

// A server listening on several addresses answers on each: our client
// connects to every one and carries packets, and a bare initiator sees
// every IKE reply and every ESP packet come from the address it talked to.

var gwAddr2 = netip.MustParseAddr("127.0.0.79")

// listenConfig is pskConfig with another [server] listen line (or none,
// for the default) and a PSK for IPv6 peers too.
func listenConfig(listen string) string {
	text := strings.Replace(pskConfig, `listen = ["127.0.0.78"]`, listen, 1)
	return text + "\n[keyring.any6]\naddress = \"::/0\"\nkey = \"loopback-psk\"\n"
}

// requireLoopback6 skips when the host has no IPv6 loopback.
func requireLoopback6(t *testing.T) {
	t.Helper()
	c, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Skipf("skipped: no IPv6 loopback: %v", err)
	}
	c.Close()
}

func TestServerServesEveryListenAddress(t *testing.T) {
	s := startServer(t, writeConfig(t, t.TempDir(), listenConfig(`listen = ["127.0.0.78", "127.0.0.79"]`)))
	for i, gw := range []netip.Addr{gwAddr, gwAddr2} {
		c := dialAt(t, pskClient("multi"+string(rune('a'+i))+"@example.com"), gw)
		checkReply(t, c.Reply(), "203.0.113.")
		exchangePackets(t, s, c, c.Reply().Addrs[0].Addr())
		checkSources(t, s, gw, netip.MustParseAddr("127.0.0.1"))
	}
	if n := len(s.Sessions()); n != 4 {
		t.Errorf("%d sessions, want 4 (a client and a bare initiator per address)", n)
	}
	// `sessions` names the address each client reached.
	perGateway := map[string]int{}
	for _, x := range s.Sessions() {
		perGateway[x.Gateway]++
	}
	if perGateway[gwAddr.String()] != 2 || perGateway[gwAddr2.String()] != 2 {
		t.Errorf("sessions per gateway address %v, want two on each of %s and %s", perGateway, gwAddr, gwAddr2)
	}
}

// TestServerDefaultListenServesIPv6: without a listen key the server
// binds 0.0.0.0 and ::, and serves clients over IPv4 and IPv6.
func TestServerDefaultListenServesIPv6(t *testing.T) {
	requireLoopback6(t)
	s := startServer(t, writeConfig(t, t.TempDir(), listenConfig("")))
	loop6 := netip.IPv6Loopback()
	for i, gw := range []netip.Addr{gwAddr, loop6} {
		c := dialAt(t, pskClient("default"+string(rune('a'+i))+"@example.com"), gw)
		exchangePackets(t, s, c, c.Reply().Addrs[0].Addr())
	}
	checkSources(t, s, loop6, loop6)
	checkSources(t, s, gwAddr2, netip.MustParseAddr("127.0.0.1")) // any IPv4 address of the host
	var peers []string
	for _, x := range s.Sessions() {
		peers = append(peers, x.Peer.Addr().String())
	}
	if got := strings.Join(peers, " "); !strings.Contains(got, "::1") || !strings.Contains(got, "127.0.0.1") {
		t.Errorf("session peers %q, want IPv4 and IPv6 ones", got)
	}
}

// dialAt is dial towards gw instead of gwAddr.
func dialAt(t *testing.T, cfg ike.Config, gw netip.Addr) *testClient {
	t.Helper()
	ft := tunfake.New(tunfake.Config{Name: "fv-test"})
	cfg.RetransmitT = 200 * time.Millisecond
	d := &client.TunnelDialer{IKE: cfg, NewTUN: func() (tun.Device, error) { return ft, nil }}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sess, err := d.Dial(ctx, client.Target{Host: "gw.flexvpn.test", Addr: gw})
	if err != nil {
		t.Fatalf("dial %s: %v", gw, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		sess.Close(ctx)
	})
	return &testClient{Session: sess, tun: ft}
}

// checkSources brings up a tunnel to gw from a bare initiator on local,
// has the server send it ESP, and requires every datagram it received to
// come from gw's port 500 or 4500.
func checkSources(t *testing.T, s *testServer, gw, local netip.Addr) {
	t.Helper()
	r := newSourceRecorder(t, local)
	up := make(chan netip.Addr, 1)
	e, err := ike.NewEndpoint(ike.EndpointConfig{Transport: r, Local: local,
		IKEPort: r.port(r.ike), NATTPort: r.port(r.natt),
		OnEvent: func(ev ike.Event) {
			if ev.Kind == ike.EventUp && ev.Config != nil && len(ev.Config.Addresses) > 0 {
				up <- ev.Config.Addresses[0].Addr()
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	r.serve(e)
	cfg := pskClient("bare-" + gw.String() + "@example.com")
	cfg.RequestConfig, cfg.ForceEncap, cfg.RetransmitT = true, true, 200*time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// The SA lives until the test ends (e.Close), not until ctx does.
	sa, err := e.Initiate(context.Background(), cfg, netip.AddrPortFrom(gw, ike.PortIKE))
	if err != nil {
		t.Fatal(err)
	}
	if err := sa.WaitUp(ctx); err != nil {
		t.Fatalf("bare initiator to %s: %v", gw, err)
	}
	addr := <-up
	// ESP from the server: poll until its Child SA is installed.
	pkt := tunfake.UDP4(netip.MustParseAddr("198.51.100.10"), addr, []byte("to the bare initiator"))
	injectUntil(t, s.tun, pkt, r.espSeen)
	want := map[netip.AddrPort]bool{netip.AddrPortFrom(gw, ike.PortIKE): true, netip.AddrPortFrom(gw, ike.PortNATT): true}
	for _, from := range r.sources() {
		if !want[from] {
			t.Errorf("talking to %s, a datagram came from %s", gw, from)
		}
	}
}

// injectUntil injects pkt into tun until something arrives on seen.
func injectUntil(t *testing.T, tun *tunfake.TUN, pkt []byte, seen <-chan struct{}) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := tun.Inject(pkt); err != nil {
			t.Fatal(err)
		}
		select {
		case <-seen:
			return
		case <-tick.C:
		case <-deadline:
			t.Fatal("the server sent no ESP to the bare initiator")
		}
	}
}

// sourceRecorder is a bare initiator's transport: an IKE and a NAT-T
// socket on one local address that note where everything came from.
type sourceRecorder struct {
	ike, natt *net.UDPConn
	from      chan netip.AddrPort
	espSeen   chan struct{} // one per ESP packet
}

func newSourceRecorder(t *testing.T, local netip.Addr) *sourceRecorder {
	t.Helper()
	r := &sourceRecorder{from: make(chan netip.AddrPort, 256), espSeen: make(chan struct{}, 256)}
	for _, c := range []**net.UDPConn{&r.ike, &r.natt} {
		conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(local, 0)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		*c = conn
	}
	return r
}

func (r *sourceRecorder) port(c *net.UDPConn) uint16 {
	return uint16(c.LocalAddr().(*net.UDPAddr).Port)
}

func (r *sourceRecorder) SendIKE(pkt []byte, local, remote netip.AddrPort) error {
	if local.Port() == r.port(r.ike) {
		_, err := r.ike.WriteToUDPAddrPort(pkt, remote)
		return err
	}
	_, err := r.natt.WriteToUDPAddrPort(append([]byte{0, 0, 0, 0}, pkt...), remote)
	return err
}

func (r *sourceRecorder) serve(e *ike.Endpoint) {
	go r.read(r.ike, false, e)
	go r.read(r.natt, true, e)
}

// read feeds e until the socket closes; on NAT-T it strips the marker,
// ignores keepalives and counts ESP.
func (r *sourceRecorder) read(c *net.UDPConn, natt bool, e *ike.Endpoint) {
	local := c.LocalAddr().(*net.UDPAddr).AddrPort()
	buf := make([]byte, 65536)
	for {
		n, from, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		select {
		case r.from <- from:
		default:
		}
		pkt := append([]byte(nil), buf[:n]...)
		switch {
		case !natt:
			e.HandleDatagram(pkt, local, from)
		case n == 1 && pkt[0] == 0xff:
		case n >= 4 && pkt[0]|pkt[1]|pkt[2]|pkt[3] == 0:
			e.HandleDatagram(pkt[4:], local, from)
		default:
			select {
			case r.espSeen <- struct{}{}:
			default:
			}
		}
	}
}

// sources drains the addresses recorded so far.
func (r *sourceRecorder) sources() []netip.AddrPort {
	var out []netip.AddrPort
	for {
		select {
		case a := <-r.from:
			out = append(out, a)
		default:
			return out
		}
	}
}
