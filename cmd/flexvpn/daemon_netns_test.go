package main

import (
	"encoding/json"
	"fmt"
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
	netns.RequireStrongSwan(t)
	bin := netns.GoBuild(t, "flexvpn/cmd/flexvpn")
	topo := netns.NewTopology(t, "daemon")
	cli := topo.AddHost("cli", e2eCli)
	gw := topo.AddHost("gw", e2eGw)
	lan := topo.AddLAN(gw, "lan", e2eLAN)
	// A full-tunnel gateway (TSr 0.0.0.0/0), so each profile wants the
	// default route and the second one must be refused.
	spec := netns.GatewaySpec{Addr: e2eGw, ID: e2eGwID, PSK: e2ePSK, Pool: e2ePool,
		LocalTS: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}}
	swan := netns.StartStrongSwan(t, gw, spec.Config())

	dir := t.TempDir()
	profiles := filepath.Join(dir, "profiles")
	writeE2EProfile(t, profiles)
	resolv := filepath.Join(dir, "resolv.conf")
	origResolv := "# test resolver\nnameserver 192.0.2.53\n"
	mustWrite(t, resolv, origResolv, 0o644)
	runDir := filepath.Join(dir, "run")
	os.Mkdir(runDir, 0o755)
	sock := filepath.Join(dir, "ctl.sock")
	before := stateOf(cli)

	// A private mount namespace: the daemon rewrites a resolv.conf and
	// keeps its backup in a /run that nobody else sees.
	script := `mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /run && shift 2 && exec "$@"`
	daemon := cli.Start("unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh",
		resolv, runDir, bin, "daemon", "--profiles", profiles, "--socket", sock, "-v")

	// The unix socket is a path, so the CLI works from outside the
	// client's network namespace.
	run := func(args ...string) (string, error) {
		b, err := exec.Command(bin, append(args, "--socket", sock)...).CombinedOutput()
		return string(b), err
	}
	netns.WaitFor(t, 30*time.Second, func() error { return expectState(run, "hq", "connected") })
	swan.WaitSA(netns.GatewayConn, true, 10*time.Second)
	netns.WaitFor(t, 10*time.Second, func() error { return cli.Ping(lan.Addr) })
	if b, _ := os.ReadFile(resolv); string(b) == origResolv {
		t.Error("resolv.conf not pointed at the split-DNS proxy while connected")
	}

	if out, err := run("down", "hq"); err != nil {
		t.Fatalf("down: %v\n%s", err, out)
	}
	if err := expectState(run, "hq", "idle"); err != nil {
		t.Fatal(err)
	}
	netns.WaitFor(t, 10*time.Second, func() error { return noSAs(swan) })
	checkState(t, cli, before, resolv, origResolv)

	out, err := run("up", "hq", "--wait", "30s")
	if err != nil || !strings.Contains(out, "hq: connected via 192.0.2.1 (203.0.113.") {
		t.Fatalf("up: %v\n%s", err, out)
	}
	netns.WaitFor(t, 10*time.Second, func() error { return cli.Ping(lan.Addr) })
	if out, err := run("status", "--trace"); err != nil || !strings.Contains(out, "connected") {
		t.Fatalf("status: %v\n%s", err, out)
	}

	// A second full tunnel connects, but the default route is hq's: the
	// daemon refuses it with an error naming hq, and hq stays up.
	out, err = run("up", "lab", "--wait", "30s")
	if err == nil || !strings.Contains(out, `"hq" already owns the default route`) {
		t.Fatalf("second full tunnel: %v\n%s", err, out)
	}
	if err := expectState(run, "hq", "connected"); err != nil {
		t.Fatal(err)
	}
	netns.WaitFor(t, 10*time.Second, func() error { return cli.Ping(lan.Addr) })

	if err := daemon.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("daemon exit after SIGTERM: %v\n%s", err, daemon.Output())
	}
	netns.WaitFor(t, 10*time.Second, func() error { return noSAs(swan) })
	checkState(t, cli, before, resolv, origResolv)
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("control socket left behind: %v", err)
	}
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
