package tunif

import (
	"os"
	"testing"
)

// TestCreate needs root and /dev/net/tun; it checks that the MTU asked
// for is the MTU the kernel reports.
func TestCreate(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("creating a TUN device needs root")
	}
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		t.Skip("no /dev/net/tun on this machine")
	}
	dev, err := Create("fvdp-tunif0", 1380)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dev.Close() })
	if mtu, err := dev.MTU(); err != nil || mtu != 1380 {
		t.Fatalf("MTU = %d, %v; want 1380", mtu, err)
	}
	if name, err := dev.Name(); err != nil || name != "fvdp-tunif0" {
		t.Fatalf("Name = %q, %v", name, err)
	}
}
