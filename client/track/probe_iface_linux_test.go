package track

import (
	"fmt"
	"os"
	"os/exec"
	"testing"

	"golang.zx2c4.com/wireguard/tun"
)

// TestInterfaceProbeFollowsRealLink walks a real TUN interface through
// the states the probe tells apart: administratively down, up without an
// address, up with one, and gone. It needs root and /dev/net/tun; the
// interface (in the host namespace, under a name of this process) is
// deleted when the test ends.
func TestInterfaceProbeFollowsRealLink(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("creating a TUN interface needs root")
	}
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		t.Skipf("no /dev/net/tun: %v", err)
	}
	ipCmd, err := exec.LookPath("ip")
	if err != nil {
		t.Skip("iproute2 (ip) is not installed")
	}
	name := fmt.Sprintf("fvtrk%d", os.Getpid()%100000)
	dev, err := tun.CreateTUN(name, 1400)
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			dev.Close()
		}
		exec.Command(ipCmd, "link", "del", name).Run() // in case closing left it
	})
	ip := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(ipCmd, args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v: %s", args, err, out)
		}
	}
	ip("link", "set", name, "down")
	tr := realTracker(t, ProbeInterface, name)
	waitState(t, tr, "obj", Down)
	if st, _ := tr.Status("obj"); !contains(st.LastErr, "administratively down") {
		t.Fatalf("down link reported as %q", st.LastErr)
	}
	ip("link", "set", name, "up")
	waitLastErr(t, tr, "no address")
	ip("addr", "add", "192.0.2.250/32", "dev", name)
	waitState(t, tr, "obj", Up)
	dev.Close()
	closed = true
	waitState(t, tr, "obj", Down)
}

func waitLastErr(t *testing.T, tr *Tracker, want string) {
	t.Helper()
	waitFor(t, func() bool { st, _ := tr.Status("obj"); return contains(st.LastErr, want) },
		func() string {
			st, _ := tr.Status("obj")
			return fmt.Sprintf("last error %q, want one saying %q", st.LastErr, want)
		})
}
