package server_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"flexvpn/client"
	"flexvpn/server"
)

// loadGateway is one cluster member's load-report identity.
type loadGateway struct {
	addr netip.Addr
	key  ed25519.PrivateKey
	file string // its private key file
}

func newLoadGateway(t *testing.T, dir, addr string) loadGateway {
	t.Helper()
	pemBytes, _, err := server.NewLoadKeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "load-"+addr+".key")
	if err := os.WriteFile(file, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	key, err := server.ParseLoadKeyPEM(pemBytes)
	if err != nil {
		t.Fatal(err)
	}
	return loadGateway{addr: netip.MustParseAddr(addr), key: key, file: file}
}

func (g loadGateway) pub() string {
	return server.FormatLoadPublicKey(g.key.Public().(ed25519.PublicKey))
}

// redirectSection is a [redirect] section sending load reports to the
// given gateways and hearing them.
func redirectSection(self loadGateway, port uint16, policy string, to ...loadGateway) string {
	var names, peers []string
	for _, g := range to {
		names = append(names, fmt.Sprintf("%q", g.addr))
		peers = append(peers, fmt.Sprintf("%q = %q", g.addr, g.pub()))
	}
	on := "off"
	if policy == "least-sessions" {
		on = "init"
	}
	return fmt.Sprintf("\n[redirect]\non = %q\npolicy = %q\ngateways = [%s]\nload_key_file = %q\nload_port = %d\nload_interval = \"200ms\"\nload_peers = { %s }\n",
		on, policy, strings.Join(names, ", "), self.file, port, strings.Join(peers, ", "))
}

// TestServerLeastSessionsFromLoadReports runs three cluster members on
// loopback: gateway A (where clients connect, least-sessions over B and
// C), gateway B (a second server, idle) and C, a member that reports
// its own load honestly (3 sessions) but also signs, with its own key,
// reports in B's name saying B is full. A must never believe them: it
// keeps its first client, then redirects the second to B, the least
// loaded; the forgeries are counted. B hears A's reports too.
func TestServerLeastSessionsFromLoadReports(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipped: binding UDP 500/4500 needs root")
	}
	dir := t.TempDir()
	port := freeUDPPort(t)
	a := newLoadGateway(t, dir, gwAddr.String())
	b := newLoadGateway(t, dir, "127.0.0.79")
	c := newLoadGateway(t, dir, "127.0.0.80")

	rogue, err := server.NewLoadReporter(server.LoadReporterConfig{ID: c.addr.String(),
		Keys: server.LoadKeys{Private: c.key}, Interval: 200 * time.Millisecond,
		Listen: netip.AddrPortFrom(c.addr, port), Peers: []server.LoadPeer{{Host: a.addr.String(), Port: port}},
		Own: func() (int, int) { return 3, 10 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rogue.Close() })
	speakForB(t, c, netip.AddrPortFrom(a.addr, port))

	bText := strings.ReplaceAll(pskConfig, gwAddr.String(), b.addr.String()) + redirectSection(b, port, "static", a)
	srvB := startServer(t, writeConfig(t, t.TempDir(), bText))
	srvA := startServer(t, writeConfig(t, dir, pskConfig+redirectSection(a, port, "least-sessions", c, b)))

	poll(t, func() bool { return len(srvA.PeerLoads()) == 2 })
	poll(t, func() bool { _, ok := srvB.PeerLoads()[a.addr.String()]; return ok })
	poll(t, func() bool { return srvA.LoadReportStats().Rejected[server.LoadBadSignature] >= 3 })
	if l := srvA.PeerLoads(); l[b.addr.String()].Sessions != 0 || l[c.addr.String()].Sessions != 3 {
		t.Fatalf("A believes loads %+v", l)
	}

	mustDial(t, pskClient("alice@example.com"))
	poll(t, func() bool { return srvB.PeerLoads()[a.addr.String()].Sessions == 1 })
	_, err = dial(t, pskClient("bob@example.com"))
	var re *client.RedirectError
	if !errors.As(err, &re) || re.Target != b.addr.String() {
		t.Fatalf("second client: %v, want a redirect to %s (B, the least loaded)", err, b.addr)
	}
	if st := srvA.LoadReportStats(); st.Accepted == 0 || st.Rejected[server.LoadBadSignature] == 0 {
		t.Fatalf("A's load report stats %+v", st)
	}
}

// speakForB sends, until the test ends, reports signed with C's own key
// that claim to come from B (127.0.0.79) and say it is full, each with a
// pair above anything B could send.
func speakForB(t *testing.T, c loadGateway, to netip.AddrPort) {
	t.Helper()
	conn, err := net.DialUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(c.addr, 0)), net.UDPAddrFromAddrPort(to))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done; conn.Close() })
	go func() {
		defer close(done)
		for seq := uint64(1); ctx.Err() == nil; seq++ {
			msg, _ := server.AppendLoadReport(nil, server.LoadReport{ID: "127.0.0.79", Epoch: 1 << 63, Seq: seq,
				Sessions: 100, Capacity: 100}, c.key)
			conn.Write(msg)
			select {
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
}

// freeUDPPort finds a port free on the loopback addresses the test uses.
func freeUDPPort(t *testing.T) uint16 {
	t.Helper()
	for range 20 {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 79)})
		if err != nil {
			t.Fatal(err)
		}
		port := c.LocalAddr().(*net.UDPAddr).Port
		c.Close()
		if portFree(port, "127.0.0.78", "127.0.0.79", "127.0.0.80") {
			return uint16(port)
		}
	}
	t.Fatal("no UDP port free on 127.0.0.78-80")
	return 0
}

func portFree(port int, addrs ...string) bool {
	for _, a := range addrs {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(a), Port: port})
		if err != nil {
			return false
		}
		c.Close()
	}
	return true
}

// poll waits up to ten seconds for cond.
func poll(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met in 10s")
}
