package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"flexvpn/client/instance"
)

// TestDemo runs the README's first command for real: `flexvpn demo` in
// network namespaces, and checks that the handshake, the ping and the DNS
// answer went through the tunnel and that nothing is left behind. It
// holds the host's instance lock meanwhile, as a flexvpn daemon running
// on the machine would: the demo's client must keep to its own /run.
func TestDemo(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipped: the demo needs root (network namespaces, TUN)")
	}
	if err := exec.Command("ip", "netns", "list").Run(); err != nil {
		t.Skipf("skipped: ip netns does not work here: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "flexvpn")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	if l, err := instance.Acquire(instance.DefaultDir, instance.Holder{Kind: instance.KindDaemon, PID: os.Getpid()}); err == nil {
		defer l.Release()
	} else {
		t.Logf("the host's instance lock is held already (%v): the demo runs beside it", err)
	}
	out, err := exec.Command(bin, "demo").CombinedOutput()
	text := string(out)
	if err != nil {
		t.Fatalf("demo failed: %v\n%s", err, text)
	}
	for _, want := range []string{
		"connected: the gateway gave us 203.0.113.",
		"reply from 198.51.100.10: seq=3",
		"www.corp.example -> 198.51.100.10",
		"alice",
		"demo complete",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("demo output lacks %q:\n%s", want, text)
		}
	}
	list, _ := exec.Command("ip", "netns", "list").Output()
	if strings.Contains(string(list), demoPrefix) {
		t.Errorf("namespaces left behind:\n%s", list)
	}
	if _, err := os.Stat(filepath.Join("/etc/netns", nsCL)); err == nil {
		t.Error("/etc/netns entry left behind")
	}
}
