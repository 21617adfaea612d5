package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"flexvpn/client/instance"
	"flexvpn/test/netns"
)

// TestDaemonLeavesARunningConnectAlone runs the real binary in a
// namespace where a `flexvpn connect` (played by the test, which holds
// the instance lock in the run directory the binary sees as /run) has
// its policy rule and routing table 5300. The daemon used to flush them
// at start; now it refuses and they stay. Once the connect is gone, its
// leftovers are a crashed instance's and `flexvpn cleanup` removes them.
func TestDaemonLeavesARunningConnectAlone(t *testing.T) {
	topo := netns.NewTopology(t, "lock")
	cli := topo.AddHost("cli", netns.InetPrefix.Addr().Next().Next())
	bin := netns.GoBuild(t, "flexvpn/cmd/flexvpn")
	dir := t.TempDir()
	runDir, resolv := filepath.Join(dir, "run"), filepath.Join(dir, "resolv.conf")
	os.Mkdir(runDir, 0o755)
	os.WriteFile(resolv, []byte("nameserver 192.0.2.53\n"), 0o644)
	private := func(args ...string) []string {
		script := `mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /run && shift 2 && exec "$@"`
		return append([]string{"unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", resolv, runDir, bin}, args...)
	}
	cli.IP("rule", "add", "priority", "5300", "lookup", "5300")
	cli.IP("route", "add", "blackhole", "198.51.100.0/24", "table", "5300")
	state := func() string {
		return cli.IP("rule", "show", "priority", "5300") + cli.IP("route", "show", "table", "5300")
	}
	before := state()
	if !strings.Contains(before, "lookup 5300") || !strings.Contains(before, "198.51.100.0/24") {
		t.Fatalf("setup did not take: %q", before)
	}
	l, err := instance.Acquire(filepath.Join(runDir, "flexvpn"), instance.Holder{Kind: instance.KindConnect, Profile: "corp"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()

	out, err := cli.Exec(private("daemon", "--profiles", dir, "--socket", filepath.Join(dir, "ctl.sock"))...)
	if err == nil || !strings.Contains(out, "flexvpn connect (profile corp") {
		t.Fatalf("daemon beside a running connect: %v\n%s", err, out)
	}
	if after := state(); after != before {
		t.Fatalf("the refused daemon changed connect's routing:\nbefore %q\nafter  %q", before, after)
	}
	l.Release()
	if out, err := cli.Exec(private("cleanup", "--socket", filepath.Join(dir, "ctl.sock"))...); err != nil {
		t.Fatalf("cleanup after connect died: %v\n%s", err, out)
	}
	if after := state(); strings.Contains(after, "5300") || strings.Contains(after, "198.51.100.0/24") {
		t.Errorf("cleanup left the dead instance's routing: %q", after)
	}
	if left, _ := filepath.Glob(filepath.Join(runDir, "flexvpn", "*")); len(left) != 0 {
		t.Errorf("files left in /run/flexvpn: %v", left)
	}
}
