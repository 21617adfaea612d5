package server_test

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"flexvpn/client"
	"flexvpn/server"
)

// TestServerLeastSessionsFromLoadReports: a peer gateway reports an idle
// load over the authenticated channel; the server reports its own back,
// keeps its first client (nobody is less loaded) and redirects the second
// to the idle peer in IKE_SA_INIT.
func TestServerLeastSessionsFromLoadReports(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipped: binding UDP 500/4500 needs root")
	}
	dir := t.TempDir()
	secret := []byte("0123456789abcdef0123456789abcdef")
	if err := os.WriteFile(filepath.Join(dir, "load.key"), secret, 0o600); err != nil {
		t.Fatal(err)
	}
	port := freeUDPPort(t)
	peerAddr := netip.MustParseAddr("127.0.0.79")
	peer, err := server.NewLoadReporter(server.LoadReporterConfig{ID: peerAddr.String(), Secret: secret,
		Interval: time.Second, Listen: netip.AddrPortFrom(peerAddr, port),
		Peers: []server.LoadPeer{{Host: gwAddr.String(), Port: port}},
		Own:   func() (int, int) { return 0, 10 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { peer.Close() })

	text := pskConfig + fmt.Sprintf("\n[redirect]\non = \"init\"\npolicy = \"least-sessions\"\ngateways = [%q]\n"+
		"load_secret_file = \"load.key\"\nload_port = %d\nload_interval = \"1s\"\n", peerAddr, port)
	s := startServer(t, writeConfig(t, dir, text))
	poll(t, func() bool { _, ok := s.PeerLoads()[peerAddr.String()]; return ok })
	poll(t, func() bool { _, ok := peer.Loads()[gwAddr.String()]; return ok })

	mustDial(t, pskClient("alice@example.com"))
	poll(t, func() bool { return peer.Loads()[gwAddr.String()].Sessions == 1 })
	_, err = dial(t, pskClient("bob@example.com"))
	var re *client.RedirectError
	if !errors.As(err, &re) || re.Target != peerAddr.String() {
		t.Fatalf("second client: %v, want a redirect to %s", err, peerAddr)
	}
}

// freeUDPPort finds a port free on both loopback addresses the test uses.
func freeUDPPort(t *testing.T) uint16 {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 79)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return uint16(c.LocalAddr().(*net.UDPAddr).Port)
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
