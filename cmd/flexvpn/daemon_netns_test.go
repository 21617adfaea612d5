package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"flexvpn/client/ctl"
	"flexvpn/test/netns"
)

// Addresses of the daemon test (TEST-NET ranges only).
var (
	e2eCli  = netip.MustParseAddr("192.0.2.10")
	e2eGw   = netip.MustParseAddr("192.0.2.1")
	e2eLAN  = netip.MustParseAddr("198.51.100.10")
	e2ePool = netip.MustParsePrefix("203.0.113.0/24")
)

const (
	e2ePSK   = "daemon e2e psk 0123456789abcdef"
	e2eGwID  = "gw.flexvpn.test"
	e2eCliID = "cli.flexvpn.test"
)

// TestDaemonAgainstStrongSwan runs the built binary as `flexvpn daemon` in
// a client namespace against a strongSwan gateway and drives it the way a
// router admin does: the auto profile comes up on its own, then
// `flexvpn down`, `flexvpn up`, `flexvpn status`, and SIGTERM must leave
// rules, routes, addresses and resolv.conf as they were.
func TestDaemonAgainstStrongSwan(t *testing.T) {
	e := newDaemonE2E(t, nil)
	netns.WaitFor(t, 10*time.Second, func() error { return e.cli.Ping(e.lan.Addr) })
	if b, _ := os.ReadFile(e.resolv); string(b) == e.origResolv {
		t.Error("resolv.conf not pointed at the split-DNS proxy while connected")
	}

	if out, err := e.run("down", "hq"); err != nil {
		t.Fatalf("down: %v\n%s", err, out)
	}
	if err := expectState(e.run, "hq", "idle"); err != nil {
		t.Fatal(err)
	}
	netns.WaitFor(t, 10*time.Second, func() error { return noSAs(e.swan) })
	checkState(t, e.cli, e.before, e.resolv, e.origResolv)

	out, err := e.run("up", "hq", "--wait", "30s")
	if err != nil || !strings.Contains(out, "hq: connected via 192.0.2.1 (203.0.113.") {
		t.Fatalf("up: %v\n%s", err, out)
	}
	netns.WaitFor(t, 10*time.Second, func() error { return e.cli.Ping(e.lan.Addr) })
	if out, err := e.run("status", "--trace"); err != nil || !strings.Contains(out, "connected") || !strings.Contains(out, "traffic: in ") {
		t.Fatalf("status: %v\n%s", err, out)
	}

	// A second full tunnel connects, but the default route is hq's: the
	// daemon refuses it with an error naming hq, and hq stays up.
	out, err = e.run("up", "lab", "--wait", "30s")
	if err == nil || !strings.Contains(out, `"hq" already owns the default route`) {
		t.Fatalf("second full tunnel: %v\n%s", err, out)
	}
	if err := expectState(e.run, "hq", "connected"); err != nil {
		t.Fatal(err)
	}
	netns.WaitFor(t, 10*time.Second, func() error { return e.cli.Ping(e.lan.Addr) })

	if err := e.daemon.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("daemon exit after SIGTERM: %v\n%s", err, e.daemon.Output())
	}
	netns.WaitFor(t, 10*time.Second, func() error { return noSAs(e.swan) })
	checkState(t, e.cli, e.before, e.resolv, e.origResolv)
	if _, err := os.Stat(e.sock); !os.IsNotExist(err) {
		t.Errorf("control socket left behind: %v", err)
	}
}

// TestDaemonCrashAndCleanup: the daemon tells its service manager it is
// ready, reloads on SIGHUP without touching a running tunnel, and after a
// SIGKILL `flexvpn cleanup` restores DNS and routing; a second cleanup
// finds nothing to do and succeeds.
func TestDaemonCrashAndCleanup(t *testing.T) {
	notify, addr := listenNotify(t)
	e := newDaemonE2E(t, []string{"NOTIFY_SOCKET=" + addr})
	waitNotify(t, notify, "READY=1")

	e2eProfile(t, e.profiles, "extra", "manual")
	if err := syscall.Kill(e.daemon.Pid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitNotify(t, notify, "RELOADING=1")
	waitNotify(t, notify, "READY=1")
	netns.WaitFor(t, 10*time.Second, func() error { return expectState(e.run, "extra", "idle") })
	if err := expectState(e.run, "hq", "connected"); err != nil {
		t.Fatalf("reload disturbed the running tunnel: %v", err)
	}

	e.daemon.Signal(syscall.SIGKILL)
	if stateOf(e.cli).rules == e.before.rules {
		t.Fatal("the killed daemon left no policy rule; the test would prove nothing")
	}
	if b, _ := os.ReadFile(e.resolv); string(b) == e.origResolv {
		t.Fatal("the killed daemon left resolv.conf untouched; the test would prove nothing")
	}
	for i := range 2 {
		if out, err := e.cli.Exec(e.private("cleanup", "--socket", e.sock)...); err != nil {
			t.Fatalf("cleanup %d: %v\n%s", i+1, err, out)
		}
		checkState(t, e.cli, e.before, e.resolv, e.origResolv)
	}
}

// listenNotify stands in for systemd's notify socket.
func listenNotify(t *testing.T) (*net.UnixConn, string) {
	addr := filepath.Join(t.TempDir(), "notify.sock")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, addr
}

// waitNotify reads notify messages until want arrives.
func waitNotify(t *testing.T, c *net.UnixConn, want string) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	buf := make([]byte, 4096)
	var seen []string
	for {
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("no %q from the daemon (got %q): %v", want, seen, err)
		}
		msg := string(buf[:n])
		if msg == want {
			return
		}
		seen = append(seen, msg)
	}
}

// daemonE2E is a client namespace running `flexvpn daemon` (with a
// private resolv.conf and /run) against a full-tunnel strongSwan gateway.
type daemonE2E struct {
	bin, dir, profiles, sock, resolv, runDir, origResolv string
	cli, lan                                             *netns.Host
	swan                                                 *netns.StrongSwan
	daemon                                               *netns.Process
	before                                               netState
}

func newDaemonE2E(t *testing.T, env []string) *daemonE2E {
	netns.RequireStrongSwan(t)
	e := &daemonE2E{bin: netns.GoBuild(t, "flexvpn/cmd/flexvpn"), dir: t.TempDir()}
	topo := netns.NewTopology(t, "daemon")
	e.cli = topo.AddHost("cli", e2eCli)
	gw := topo.AddHost("gw", e2eGw)
	e.lan = topo.AddLAN(gw, "lan", e2eLAN)
	// A full-tunnel gateway (TSr 0.0.0.0/0), so each profile wants the
	// default route and a second one must be refused.
	spec := netns.GatewaySpec{Addr: e2eGw, ID: e2eGwID, PSK: e2ePSK, Pool: e2ePool,
		LocalTS: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}}
	e.swan = netns.StartStrongSwan(t, gw, spec.Config())

	e.profiles = filepath.Join(e.dir, "profiles")
	writeE2EProfile(t, e.profiles)
	e.resolv = filepath.Join(e.dir, "resolv.conf")
	e.origResolv = "# test resolver\nnameserver 192.0.2.53\n"
	mustWrite(t, e.resolv, e.origResolv, 0o644)
	e.runDir = filepath.Join(e.dir, "run")
	os.Mkdir(e.runDir, 0o755)
	e.sock = filepath.Join(e.dir, "ctl.sock")
	e.before = stateOf(e.cli)
	e.daemon = e.cli.StartEnv(env, e.private("daemon", "--profiles", e.profiles, "--socket", e.sock, "-v")...)
	netns.WaitFor(t, 30*time.Second, func() error { return expectState(e.run, "hq", "connected") })
	e.swan.WaitSA(netns.GatewayConn, true, 10*time.Second)
	return e
}

// private wraps a flexvpn command in a private mount namespace where the
// test's resolv.conf and run directory stand in for the system's.
func (e *daemonE2E) private(args ...string) []string {
	script := `mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /run && shift 2 && exec "$@"`
	return append([]string{"unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh",
		e.resolv, e.runDir, e.bin}, args...)
}

// run is the CLI. The unix socket is a path, so it works from outside
// the client's network namespace.
func (e *daemonE2E) run(args ...string) (string, error) {
	b, err := exec.Command(e.bin, append(args, "--socket", e.sock)...).CombinedOutput()
	return string(b), err
}

func writeE2EProfile(t *testing.T, dir string) {
	t.Helper()
	os.MkdirAll(dir, 0o755)
	mustWrite(t, filepath.Join(dir, "hq.secrets"), fmt.Sprintf("psk = %q\n", e2ePSK), 0o600)
	e2eProfile(t, dir, "hq", "auto")
	e2eProfile(t, dir, "lab", "manual")
	// A broken profile must be skipped, not stop the daemon.
	mustWrite(t, filepath.Join(dir, "broken.toml"), "connect = \"sometimes\"\n", 0o644)
}

// e2eProfile writes a PSK profile for the gateway; each has its own IKE
// identity so the gateway keeps both SAs.
func e2eProfile(t *testing.T, dir, name, connect string) {
	mustWrite(t, filepath.Join(dir, name+".toml"), fmt.Sprintf(`name = %q
connect = %q

[[peer]]
host = %q

[auth]
method = "psk"
identity = "%s.%s"
secrets_file = "hq.secrets"

[gateway]
identity = %q
`, name, connect, e2eGw, name, e2eCliID, e2eGwID), 0o644)
}

func mustWrite(t *testing.T, path, s string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), mode); err != nil {
		t.Fatal(err)
	}
}

// expectState asks the daemon through the CLI for a profile's state.
func expectState(run func(...string) (string, error), name, want string) error {
	out, err := run("status", name, "--json")
	if err != nil {
		return fmt.Errorf("status: %w: %s", err, out)
	}
	var st []ctl.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		return fmt.Errorf("status output %q: %w", out, err)
	}
	if len(st) != 1 || st[0].State != want {
		return fmt.Errorf("%s is %+v, want %s", name, st, want)
	}
	return nil
}

func noSAs(s *netns.StrongSwan) error {
	sas, err := s.ListSAs()
	if err != nil {
		return err
	}
	if len(sas) > 0 {
		return fmt.Errorf("gateway still has %d IKE SAs", len(sas))
	}
	return nil
}

// netState is what a tunnel may change and taking it down must restore.
type netState struct{ rules, routes, addrs string }

func stateOf(h *netns.Host) netState {
	return netState{
		rules:  h.IP("rule", "show") + h.IP("-6", "rule", "show"),
		routes: dropLinkLocal(h.IP("route", "show", "table", "all") + h.IP("-6", "route", "show", "table", "all")),
		addrs:  dropLinkLocal(h.IP("-o", "addr", "show")),
	}
}

// dropLinkLocal ignores IPv6 link-local lines the kernel adds on its own.
func dropLinkLocal(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.Contains(l, "fe80::") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

func checkState(t *testing.T, h *netns.Host, before netState, resolv, orig string) {
	t.Helper()
	netns.WaitFor(t, 10*time.Second, func() error {
		if now := stateOf(h); now != before {
			return fmt.Errorf("network state not restored:\nbefore %+v\nnow    %+v", before, now)
		}
		return nil
	})
	if b, _ := os.ReadFile(resolv); string(b) != orig {
		t.Errorf("resolv.conf not restored: %q", b)
	}
}
