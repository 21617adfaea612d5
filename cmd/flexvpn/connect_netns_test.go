package main

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"flexvpn/test/netns"
)

// connectBed is a client namespace where `flexvpn connect` runs with a
// private resolv.conf and /run against a PSK strongSwan gateway with a
// LAN behind it.
type connectBed struct {
	t                      *testing.T
	bin, dir, resolv, orig string
	cli, lan               *netns.Host
	swan                   *netns.StrongSwan
	before                 netState
}

func newConnectBed(t *testing.T, tag string) *connectBed {
	netns.RequireStrongSwan(t)
	b := &connectBed{t: t, bin: netns.GoBuild(t, "flexvpn/cmd/flexvpn"), dir: t.TempDir()}
	topo := netns.NewTopology(t, tag)
	b.cli = topo.AddHost("cli", e2eCli)
	gw := topo.AddHost("gw", e2eGw)
	b.lan = topo.AddLAN(gw, "lan", e2eLAN)
	spec := netns.GatewaySpec{Addr: e2eGw, ID: e2eGwID, PSK: e2ePSK, Pool: e2ePool, DNS: []netip.Addr{e2eLAN}}
	b.swan = netns.StartStrongSwan(t, gw, spec.Config())
	mustWrite(t, filepath.Join(b.dir, "hq.secrets"), fmt.Sprintf("psk = %q\n", e2ePSK), 0o600)
	e2eProfile(t, b.dir, "hq", "manual")
	b.resolv, b.orig = filepath.Join(b.dir, "resolv.conf"), "nameserver 192.0.2.53\n"
	mustWrite(t, b.resolv, b.orig, 0o644)
	os.Mkdir(filepath.Join(b.dir, "run"), 0o755)
	b.before = stateOf(b.cli)
	return b
}

// start runs `flexvpn connect` and waits for it to connect.
func (b *connectBed) start() *netns.Process {
	script := `mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /run && shift 2 && exec "$@"`
	c := b.cli.Start("unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh",
		b.resolv, filepath.Join(b.dir, "run"), b.bin, "connect", "-profile", filepath.Join(b.dir, "hq.toml"), "-v")
	b.waitConnected(c, 1)
	return c
}

// waitConnected waits until c has reported connected n times.
func (b *connectBed) waitConnected(c *netns.Process, n int) {
	b.t.Helper()
	netns.WaitFor(b.t, 30*time.Second, func() error {
		if got := strings.Count(c.Output(), "flexvpn: connected"); got < n {
			if !c.Running() {
				return fmt.Errorf("connect exited: %v\n%s", c.Err(), c.Output())
			}
			return fmt.Errorf("connected %d times, want %d", got, n)
		}
		return nil
	})
	netns.WaitFor(b.t, 10*time.Second, func() error { return b.cli.Ping(b.lan.Addr) })
}

// stop ends c the way a user does and checks that it put everything back.
func (b *connectBed) stop(c *netns.Process) {
	b.t.Helper()
	b.terminate(c)
	b.checkRestored()
}

func (b *connectBed) terminate(c *netns.Process) {
	b.t.Helper()
	if err := c.Signal(syscall.SIGTERM); err != nil {
		b.t.Errorf("connect exit after SIGTERM: %v\n%s", err, c.Output())
	}
	netns.WaitFor(b.t, 10*time.Second, func() error { return noSAs(b.swan) })
}

func (b *connectBed) checkRestored() {
	b.t.Helper()
	checkState(b.t, b.cli, b.before, b.resolv, b.orig)
	if left, _ := filepath.Glob(filepath.Join(b.dir, "run", "flexvpn", "*")); len(left) != 0 {
		b.t.Errorf("files left in /run/flexvpn: %v", left)
	}
}

// TestConnectSurvivesItsInterfaceBeingDeleted: deleting the tunnel
// interface under a running `flexvpn connect` (what a network manager
// or an admin may do) leaves its TUN reads blocked. The connection must
// notice, say why, and come back with a new interface and a new SA,
// instead of showing "connected" while nothing crosses the tunnel.
func TestConnectSurvivesItsInterfaceBeingDeleted(t *testing.T) {
	b := newConnectBed(t, "tundel")
	c := b.start()
	first := b.swan.WaitSA(netns.GatewayConn, true, 10*time.Second)

	b.cli.IP("link", "del", "fv0")
	b.waitConnected(c, 2)
	if out := c.Output(); !strings.Contains(out, "the tunnel interface was deleted") {
		t.Errorf("connect does not say why it reconnected:\n%s", out)
	}
	if again := b.swan.WaitSA(netns.GatewayConn, true, 10*time.Second); again.SPIi == first.SPIi {
		t.Errorf("the gateway still has the first IKE SA (%s): no new SA", first.SPIi)
	}
	b.stop(c)
}

// TestConnectAfterACrashedConnect: a connect killed with SIGKILL leaves
// its policy rule, routes, resolv.conf and backup. The next connect may
// clean them up (its instance lock proves the first is dead), connects,
// and on exit leaves the system as it was before either, with no
// duplicate rule.
func TestConnectAfterACrashedConnect(t *testing.T) {
	b := newConnectBed(t, "crash")
	c := b.start()
	c.Signal(syscall.SIGKILL)
	if stateOf(b.cli).rules == b.before.rules {
		t.Fatal("the killed connect left no policy rule; the test would prove nothing")
	}
	if rc, _ := os.ReadFile(b.resolv); string(rc) == b.orig {
		t.Fatal("the killed connect left resolv.conf untouched; the test would prove nothing")
	}
	// The gateway still has the dead client's SA: INITIAL_CONTACT from
	// the new one replaces it.
	c = b.start()
	if out := c.Output(); strings.Contains(out, "could not apply") {
		t.Errorf("the dead connect's leftovers got in the way:\n%s", out)
	}
	if n := strings.Count(b.cli.IP("rule", "show"), "lookup 5300"); n != 1 {
		t.Errorf("%d policy rules for table 5300, want 1:\n%s", n, b.cli.IP("rule", "show"))
	}
	b.stop(c)
}

// TestConnectFollowsANewLocalAddress: the client's address changes under
// a running connect (a new network, a new lease). Its sockets are bound
// to the old address and carry nothing; it must notice, say so, and
// reconnect from the new address.
func TestConnectFollowsANewLocalAddress(t *testing.T) {
	b := newConnectBed(t, "newaddr")
	newAddr := netip.MustParseAddr("192.0.2.11")
	c := b.start()
	b.cli.IP("addr", "del", e2eCli.String()+"/24", "dev", b.cli.Iface)
	b.cli.IP("addr", "add", newAddr.String()+"/24", "dev", b.cli.Iface)
	b.waitConnected(c, 2)
	if out := c.Output(); !strings.Contains(out, "the network changed") {
		t.Errorf("connect does not say why it reconnected:\n%s", out)
	}
	if sa := b.swan.WaitSA(netns.GatewayConn, true, 10*time.Second); sa.RemoteHost.Addr() != newAddr {
		t.Errorf("the gateway's SA is with %v, want the new address %v", sa.RemoteHost, newAddr)
	}
	b.terminate(c)
	// Back to the first address, the namespace must be as it was.
	b.cli.IP("addr", "del", newAddr.String()+"/24", "dev", b.cli.Iface)
	b.cli.IP("addr", "add", e2eCli.String()+"/24", "dev", b.cli.Iface)
	b.checkRestored()
}

// TestConnectRecoversFromItsInterfaceSetDown: setting fv0 down makes
// the kernel drop the tunnel's routes, so traffic for the gateway's
// networks would leave in the clear. The connection must notice and
// reconnect, which brings an interface and routes back.
func TestConnectRecoversFromItsInterfaceSetDown(t *testing.T) {
	b := newConnectBed(t, "tundown")
	c := b.start()
	b.cli.IP("link", "set", "fv0", "down")
	b.waitConnected(c, 2)
	if out := c.Output(); !strings.Contains(out, "the tunnel interface was set down") {
		t.Errorf("connect does not say why it reconnected:\n%s", out)
	}
	if routes := b.cli.IP("route", "show", "table", "5300"); !strings.Contains(routes, "198.51.100.0/24 dev fv0") {
		t.Errorf("the tunnel route is not back:\n%s", routes)
	}
	b.stop(c)
}
