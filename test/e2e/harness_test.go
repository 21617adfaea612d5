package e2e

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"flexvpn/server"
	"flexvpn/test/netns"
	"flexvpn/test/pki"
	"flexvpn/tunnel/ike/eap"
)

// The world of these tests (documentation ranges only):
//
//	[cli] 192.0.2.2 ── 192.0.2.1 [gw] 198.51.100.1 ── 198.51.100.10 [lan]
//	strongSwan or             flexvpn server
//	flexvpn connect           fvs0: 203.0.113.1, pool 203.0.113.0/24
//	                 [gw2] 192.0.2.3 (second server, redirect target; pool 203.0.113.128/25)
var (
	cliAddr = netip.MustParseAddr("192.0.2.2")
	gwAddr  = netip.MustParseAddr("192.0.2.1")
	gw2Addr = netip.MustParseAddr("192.0.2.3")
	lanAddr = netip.MustParseAddr("198.51.100.10")
	lanDNS  = netip.MustParseAddr("198.51.100.53")
	lanNet  = netip.MustParsePrefix("198.51.100.0/24")
	vpnPool = netip.MustParsePrefix("203.0.113.0/24")
)

const (
	gwFQDN      = "gw.flexvpn.test"
	splitDomain = "corp.flexvpn.test"
	eapUser     = "alice"
	eapPassword = "alice-e2e-password"
	ikePSK      = "e2e-preshared-key"
)

// bin is the flexvpn binary, built once for the whole package.
var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

func flexvpnBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "flexvpn-e2e-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "flexvpn")
		gotool := filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(gotool); err != nil {
			gotool = "go"
		}
		if out, err := exec.Command(gotool, "build", "-o", binPath, "flexvpn/cmd/flexvpn").CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// world is one topology with a gateway running `flexvpn server`.
type world struct {
	topo     *netns.Topology
	cli, gw  *netns.Host
	lan      *netns.Host
	ca       *pki.CA
	gwServer *gateway
}

// gateway is a running `flexvpn server`.
type gateway struct {
	host   *netns.Host
	proc   *netns.Process
	dir    string
	socket string
}

func newWorld(t *testing.T, tag string) *world {
	t.Helper()
	netns.Require(t)
	bin := flexvpnBinary(t)
	w := &world{topo: netns.NewTopology(t, tag)}
	w.cli = w.topo.AddHost("cli", cliAddr)
	w.gw = w.topo.AddHost("gw", gwAddr)
	w.lan = w.topo.AddLAN(w.gw, "lan", lanAddr)
	w.ca = pki.MustCA(t, pki.RSA2048, "flexvpn e2e CA")
	w.gwServer = startGateway(t, bin, w.gw, w.ca, gwAddr, vpnPool, "")
	return w
}

// startGateway writes a server configuration (certificate, CA for client
// certificates, a catch-all PSK for IPv4 and IPv6 peers, EAP user alice)
// and runs the server in h. It listens on addr; an invalid addr leaves
// the listen key out (the server's default: 0.0.0.0 and ::) and names
// h's IPv6 address in the certificate.
func startGateway(t *testing.T, bin string, h *netns.Host, ca *pki.CA, addr netip.Addr, pool netip.Prefix, extra string) *gateway {
	t.Helper()
	dir, err := os.MkdirTemp("", "fve2e-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	g := &gateway{host: h, dir: dir, socket: filepath.Join(dir, "admin.sock")}
	listen, certAddr := fmt.Sprintf("listen = [%q]\n", addr), addr
	if !addr.IsValid() {
		listen, certAddr = "", h.Addr6
	}
	gwCert := ca.MustGateway(t, pki.RSA2048, gwFQDN, certAddr)
	if _, _, err := gwCert.WriteFiles(dir, "gateway"); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "ca.pem"), ca.CertPEM, 0o644)
	gwIP := pool.Addr().Next()
	cfg := fmt.Sprintf(`[server]
%sidentity = "fqdn:%s"
interface = "fvs0"
admin_socket = %q
dpd_interval = "10s"

[certificate]
cert = "gateway.pem"
key = "gateway.key"
ca = ["ca.pem"]

[config_mode]
pool = "clients"
dns = [%q]
split_networks = [%q]
split_dns = [%q]

[pool.clients]
prefix = %q
gateway = %q

[keyring.any]
address = "0.0.0.0/0"
key = %q

[keyring.any6]
address = "::/0"
key = %q

[user.%s]
nt_hash = %q
%s`, listen, gwFQDN, g.socket, lanDNS, lanNet, splitDomain, pool, gwIP, ikePSK, ikePSK,
		eapUser, hex.EncodeToString(eap.NTHash(eapPassword)), extra)
	path := filepath.Join(dir, "server.toml")
	writeFile(t, path, []byte(cfg), 0o600)
	g.proc = h.Start(bin, "server", "--config", path, "-v")
	netns.WaitFor(t, 15*time.Second, func() error {
		if !g.proc.Running() {
			return fmt.Errorf("flexvpn server exited: %v\n%s", g.proc.Err(), g.proc.Output())
		}
		_, err := g.admin(server.AdminRequest{Op: server.OpSessions})
		return err
	})
	return g
}

func writeFile(t *testing.T, path string, b []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, b, mode); err != nil {
		t.Fatal(err)
	}
}

// admin calls the server's admin socket (a file, so reachable from the
// test process whatever the network namespace).
func (g *gateway) admin(req server.AdminRequest) (server.AdminResponse, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return server.AdminCall(ctx, g.socket, req)
}

func (g *gateway) sessions(t *testing.T) []server.SessionSnapshot {
	t.Helper()
	r, err := g.admin(server.AdminRequest{Op: server.OpSessions})
	if err != nil {
		t.Fatal(err)
	}
	return r.Sessions
}

// waitSession polls until a session of identity is listed.
func (g *gateway) waitSession(t *testing.T, identity string) server.SessionSnapshot {
	t.Helper()
	var got server.SessionSnapshot
	netns.WaitFor(t, 15*time.Second, func() error {
		for _, s := range g.sessions(t) {
			if s.Identity == identity {
				got = s
				return nil
			}
		}
		return fmt.Errorf("no session of %s on %s", identity, g.host.Name)
	})
	return got
}

// cliCLI runs `flexvpn server ARGS --socket S` in the gateway namespace,
// as an administrator would.
func (g *gateway) cli(t *testing.T, bin string, args ...string) (string, error) {
	t.Helper()
	return g.host.Exec(append(append([]string{bin, "server"}, args...), "--socket", g.socket)...)
}

func containsLine(out, want string) bool {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, want) {
			return true
		}
	}
	return false
}
