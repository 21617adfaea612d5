package netns

import (
	"os"
	"os/exec"
	"testing"
)

// charonPaths lists the charon daemons we can drive, best first. The plain
// daemon comes from the strongswan-charon package; charon-systemd (package
// charon-systemd) runs fine without systemd and reads the same settings
// through its fallback to the "charon" section.
var charonPaths = []string{"/usr/lib/ipsec/charon", "/usr/sbin/charon-systemd"}

// Require skips the test unless it can build namespaces: it must run as
// root, `ip netns` must work and /dev/net/tun must exist. A skipped test
// says why, so a run without root never passes silently.
func Require(t testing.TB) {
	t.Helper()
	if reason := missingNetns(); reason != "" {
		t.Skipf("root-only namespace test skipped: %s", reason)
	}
}

// RequireStrongSwan skips unless Require passes and a charon daemon and
// swanctl are installed.
func RequireStrongSwan(t testing.TB) {
	t.Helper()
	Require(t)
	if charonPath() == "" {
		t.Skip("strongSwan test skipped: no charon daemon (install strongswan-charon or charon-systemd)")
	}
	if _, err := exec.LookPath("swanctl"); err != nil {
		t.Skip("strongSwan test skipped: swanctl not found (install strongswan-swanctl)")
	}
}

// RequireTshark skips unless tshark and dumpcap are installed.
func RequireTshark(t testing.TB) {
	t.Helper()
	for _, tool := range []string{"tshark", "dumpcap"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("capture test skipped: %s not found (install tshark)", tool)
		}
	}
}

// missingNetns returns why namespaces are unusable, or "" when they work.
func missingNetns() string {
	if os.Geteuid() != 0 {
		return "not running as root"
	}
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		return "/dev/net/tun is missing"
	}
	if out, err := exec.Command("ip", "netns", "list").CombinedOutput(); err != nil {
		return "`ip netns list` failed: " + err.Error() + ": " + string(out)
	}
	return ""
}

// charonPath returns the first installed charon daemon, or "".
func charonPath() string {
	for _, p := range charonPaths {
		if st, err := os.Stat(p); err == nil && st.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}
