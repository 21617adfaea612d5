package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"flexvpn/test/netns"
	"flexvpn/test/pki"
)

// TestDaemonDNIdentitiesAgainstStrongSwan: certificate authentication
// with both sides known by distinguished names. strongSwan encodes the
// names it is configured with itself, and compares ours with its own DN
// matching; the profiles write them the RFC 4514 way. A profile that
// expects another gateway name is refused after the handshake, at once
// (manual mode), naming both names.
func TestDaemonDNIdentitiesAgainstStrongSwan(t *testing.T) {
	netns.RequireStrongSwan(t)
	bin, dir := netns.GoBuild(t, "flexvpn/cmd/flexvpn"), t.TempDir()
	topo := netns.NewTopology(t, "dn")
	cli := topo.AddHost("cli", e2eCli)
	gw := topo.AddHost("gw", e2eGw)
	lan := topo.AddLAN(gw, "lan", e2eLAN)

	ca := pki.MustCA(t, pki.ECDSAP256, "flexvpn test CA")
	gwCert := ca.MustGateway(t, pki.ECDSAP256, e2eGwID, e2eGw)
	cliCert := ca.MustClient(t, pki.ECDSAP256, "branch1.flexvpn.test")
	spec := netns.GatewaySpec{Addr: e2eGw, ID: gwCert.DN(), Cert: gwCert.CertPEM, Key: gwCert.KeyPEM,
		CACert: ca.CertPEM, RemoteAuth: "pubkey", RemoteID: cliCert.DN(), Pool: e2ePool}
	swan := netns.StartStrongSwan(t, gw, spec.Config())

	profiles := filepath.Join(dir, "profiles")
	os.MkdirAll(profiles, 0o755)
	mustWrite(t, filepath.Join(profiles, "ca.pem"), string(ca.CertPEM), 0o644)
	mustWrite(t, filepath.Join(profiles, "branch1.pem"), string(cliCert.CertPEM), 0o644)
	mustWrite(t, filepath.Join(profiles, "branch1.key"), string(cliCert.KeyPEM), 0o600)
	dnProfile(t, profiles, "dn", "dn:CN=gw.flexvpn.test,O=flexvpn test")
	dnProfile(t, profiles, "wrongdn", "dn:CN=other.flexvpn.test,O=flexvpn test")

	resolv, runDir, sock := filepath.Join(dir, "resolv.conf"), filepath.Join(dir, "run"), filepath.Join(dir, "ctl.sock")
	mustWrite(t, resolv, "nameserver 192.0.2.53\n", 0o644)
	os.Mkdir(runDir, 0o755)
	script := `mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /run && shift 2 && exec "$@"`
	daemon := cli.Start("unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", resolv, runDir, bin,
		"daemon", "--profiles", profiles, "--socket", sock, "-v")
	run := func(args ...string) (string, error) {
		b, err := exec.Command(bin, append(args, "--socket", sock)...).CombinedOutput()
		return string(b), err
	}
	netns.WaitFor(t, 30*time.Second, func() error { return expectState(run, "dn", "idle") })

	// The wrong name first: refusing it deletes the SA, and with it no
	// INITIAL_CONTACT of a later one disturbs the good tunnel.
	out, err := run("up", "wrongdn", "--wait", "30s")
	if err == nil || !strings.Contains(out, "wrongdn is failed") || !strings.Contains(out, "dn:CN=other.flexvpn.test,O=flexvpn test") ||
		!strings.Contains(out, "dn:CN=gw.flexvpn.test,O=flexvpn test") {
		t.Fatalf("up with the wrong gateway name: %v\n%s", err, out)
	}
	netns.WaitFor(t, 10*time.Second, func() error { return noSAs(swan) })

	if out, err := run("up", "dn", "--wait", "30s"); err != nil || !strings.Contains(out, "dn: connected") {
		t.Fatalf("up: %v\n%s\n%s", err, out, daemon.Output())
	}
	sa := swan.WaitSA(netns.GatewayConn, true, 10*time.Second)
	if !strings.Contains(sa.RemoteID, "CN=branch1.flexvpn.test") {
		t.Errorf("strongSwan sees us as %q", sa.RemoteID)
	}
	netns.WaitFor(t, 10*time.Second, func() error { return cli.Ping(lan.Addr) })
	if err := daemon.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("daemon exit after SIGTERM: %v\n%s", err, daemon.Output())
	}
	netns.WaitFor(t, 10*time.Second, func() error { return noSAs(swan) })
}

// dnProfile writes a manual certificate profile known by its subject DN
// that expects the gateway to be gatewayDN.
func dnProfile(t *testing.T, dir, name, gatewayDN string) {
	t.Helper()
	mustWrite(t, filepath.Join(dir, name+".toml"), fmt.Sprintf(`name = %q
connect = "manual"

[[peer]]
host = %q

[auth]
method = "cert"
identity = "dn:CN=branch1.flexvpn.test,O=flexvpn test"
cert = "branch1.pem"
key = "branch1.key"

[gateway]
ca = "ca.pem"
identity = %q
`, name, e2eGw, gatewayDN), 0o644)
}
