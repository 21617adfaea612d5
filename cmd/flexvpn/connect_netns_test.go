package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"flexvpn/test/netns"
)

// TestConnectSurvivesItsInterfaceBeingDeleted: deleting the tunnel
// interface under a running `flexvpn connect` (what a network manager
// or an admin may do) kills its data plane. The connection must notice,
// say why, and come back with a new interface and a new SA, instead of
// showing "connected" while nothing crosses the tunnel.
func TestConnectSurvivesItsInterfaceBeingDeleted(t *testing.T) {
	netns.RequireStrongSwan(t)
	bin, dir := netns.GoBuild(t, "flexvpn/cmd/flexvpn"), t.TempDir()
	topo := netns.NewTopology(t, "tundel")
	cli := topo.AddHost("cli", e2eCli)
	gw := topo.AddHost("gw", e2eGw)
	lan := topo.AddLAN(gw, "lan", e2eLAN)
	spec := netns.GatewaySpec{Addr: e2eGw, ID: e2eGwID, PSK: e2ePSK, Pool: e2ePool}
	swan := netns.StartStrongSwan(t, gw, spec.Config())

	mustWrite(t, filepath.Join(dir, "hq.secrets"), fmt.Sprintf("psk = %q\n", e2ePSK), 0o600)
	e2eProfile(t, dir, "hq", "manual")
	resolv, runDir := filepath.Join(dir, "resolv.conf"), filepath.Join(dir, "run")
	mustWrite(t, resolv, "nameserver 192.0.2.53\n", 0o644)
	os.Mkdir(runDir, 0o755)
	script := `mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /run && shift 2 && exec "$@"`
	c := cli.Start("unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", resolv, runDir, bin,
		"connect", "-profile", filepath.Join(dir, "hq.toml"), "-v")
	connected := func(n int) func() error {
		return func() error {
			if got := strings.Count(c.Output(), "flexvpn: connected"); got < n {
				if !c.Running() {
					return fmt.Errorf("connect exited: %v\n%s", c.Err(), c.Output())
				}
				return fmt.Errorf("connected %d times, want %d", got, n)
			}
			return nil
		}
	}
	netns.WaitFor(t, 30*time.Second, connected(1))
	netns.WaitFor(t, 10*time.Second, func() error { return cli.Ping(lan.Addr) })
	first := swan.WaitSA(netns.GatewayConn, true, 10*time.Second)

	cli.IP("link", "del", "fv0")
	netns.WaitFor(t, 30*time.Second, connected(2))
	if out := c.Output(); !strings.Contains(out, "the tunnel interface was deleted") {
		t.Errorf("connect does not say why it reconnected:\n%s", out)
	}
	netns.WaitFor(t, 10*time.Second, func() error { return cli.Ping(lan.Addr) })
	if again := swan.WaitSA(netns.GatewayConn, true, 10*time.Second); again.SPIi == first.SPIi {
		t.Errorf("the gateway still has the first IKE SA (%s): no new SA", first.SPIi)
	}
	if err := c.Signal(syscall.SIGTERM); err != nil {
		t.Errorf("connect exit after SIGTERM: %v\n%s", err, c.Output())
	}
	netns.WaitFor(t, 10*time.Second, func() error { return noSAs(swan) })
}
