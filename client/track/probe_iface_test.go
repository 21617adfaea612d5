package track

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
)

func TestInterfaceProbeLoopback(t *testing.T) {
	lo := loopbackName(t)
	if err := (&InterfaceProbe{Name: lo}).Probe(t.Context()); err != nil {
		t.Fatalf("%s: %v", lo, err)
	}
	tr := realTracker(t, ProbeInterface, lo)
	waitState(t, tr, "obj", Up)
}

func TestInterfaceProbeMissing(t *testing.T) {
	err := (&InterfaceProbe{Name: "fvnosuch0"}).Probe(t.Context())
	if !errors.Is(err, ErrInterfaceDown) || !strings.Contains(err.Error(), "fvnosuch0") {
		t.Fatalf("missing interface: %v", err)
	}
}

func TestInterfaceProbeStates(t *testing.T) {
	v4 := &net.IPNet{IP: net.IPv4(192, 0, 2, 10), Mask: net.CIDRMask(24, 32)}
	ll6 := &net.IPNet{IP: net.ParseIP("fe80::1"), Mask: net.CIDRMask(64, 128)}
	ll4 := &net.IPNet{IP: net.IPv4(169, 254, 1, 1), Mask: net.CIDRMask(16, 32)}
	running := net.FlagUp | net.FlagRunning
	tests := []struct {
		name  string
		flags net.Flags
		addrs []net.Addr
		want  string // "" = up, else a word of the error
	}{
		{"up with an address", running, []net.Addr{ll6, v4}, ""},
		{"admin down", net.FlagRunning, []net.Addr{v4}, "administratively down"},
		{"no carrier", net.FlagUp, []net.Addr{v4}, "no link"},
		{"link-local only", running, []net.Addr{ll6, ll4}, "no address"},
		{"no address at all", running, nil, "no address"},
	}
	for _, tc := range tests {
		p := &InterfaceProbe{
			Name:   "eth9",
			Lookup: func(string) (*net.Interface, error) { return &net.Interface{Name: "eth9", Flags: tc.flags}, nil },
			Addrs:  func(*net.Interface) ([]net.Addr, error) { return tc.addrs, nil },
		}
		err := p.Probe(context.Background())
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (!errors.Is(err, ErrInterfaceDown) || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want an ErrInterfaceDown saying %q", tc.name, err, tc.want)
		}
	}
}

func loopbackName(t *testing.T) string {
	t.Helper()
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range ifs {
		if i.Flags&net.FlagLoopback != 0 {
			return i.Name
		}
	}
	t.Skip("no loopback interface")
	return ""
}
