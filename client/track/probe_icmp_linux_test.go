package track

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"
)

const pingChildEnv = "FLEXVPN_TRACK_PING_CHILD"

// TestICMPPingSocketInNamespace exercises the unprivileged ping socket
// path, which the host's default ping_group_range ("1 0") rules out: the
// sysctl is per network namespace, so the test binary re-runs itself in
// a fresh namespace that allows ping sockets to every group.
func TestICMPPingSocketInNamespace(t *testing.T) {
	if os.Getenv(pingChildEnv) != "" {
		pingChild(t)
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("creating a network namespace needs root")
	}
	ipCmd, err := exec.LookPath("ip")
	if err != nil {
		t.Skip("iproute2 (ip) is not installed")
	}
	ns := fmt.Sprintf("fvtrk%d", os.Getpid())
	if out, err := exec.Command(ipCmd, "netns", "add", ns).CombinedOutput(); err != nil {
		t.Skipf("ip netns is not usable here: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command(ipCmd, "netns", "del", ns).Run() })
	for _, args := range [][]string{
		{"-n", ns, "link", "set", "lo", "up"},
		{"netns", "exec", ns, "sh", "-c", "echo '0 2147483647' > /proc/sys/net/ipv4/ping_group_range"},
	} {
		if out, err := exec.Command(ipCmd, args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v: %s", args, err, out)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, ipCmd, "netns", "exec", ns, os.Args[0], "-test.run=^TestICMPPingSocketInNamespace$", "-test.v")
	cmd.Env = append(os.Environ(), pingChildEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child in %s: %v\n%s", ns, err, out)
	}
	t.Logf("child in %s:\n%s", ns, out)
}

// pingChild runs inside the namespace: the ping socket must open, and
// echoes over it must come back from both loopback addresses.
func pingChild(t *testing.T) {
	for _, host := range []string{"127.0.0.1", "::1"} {
		c, err := openICMP(host == "::1")
		if err != nil {
			t.Fatalf("%s: %v", host, err)
		}
		raw := c.raw
		c.Close()
		if raw {
			t.Fatalf("%s: got a raw socket although ping_group_range allows ping sockets", host)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		err = (&ICMPProbe{Host: host}).Probe(ctx)
		cancel()
		if err != nil {
			t.Fatalf("echo to %s over a ping socket: %v", host, err)
		}
		t.Logf("echo to %s over a ping socket answered", host)
	}
}
