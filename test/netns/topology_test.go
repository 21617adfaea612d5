package netns

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestTopologyPingAndTeardown builds client, gateway and a LAN host,
// checks reachability across the bridge and through the forwarding
// gateway, and checks teardown removes every namespace.
func TestTopologyPingAndTeardown(t *testing.T) {
	t.Parallel()
	Require(t)
	var names []string
	t.Run("build", func(t *testing.T) {
		topo := NewTopology(t, "topo")
		cli := topo.AddHost("cli", netip.MustParseAddr("192.0.2.10"))
		gw := topo.AddHost("gw", netip.MustParseAddr("192.0.2.1"))
		lan := topo.AddLAN(gw, "lan", netip.MustParseAddr("198.51.100.10"))
		for _, h := range topo.Hosts() {
			names = append(names, h.NS)
		}
		WaitFor(t, 10*time.Second, func() error { return cli.Ping(gw.Addr) })
		WaitFor(t, 10*time.Second, func() error { return lan.Ping(gw.Addr) })
		// cli has no route to the LAN: isolation is part of the topology.
		if err := cli.Ping(lan.Addr); err == nil {
			t.Errorf("client reached LAN host %s without a tunnel", lan.Addr)
		}
		p := cli.Start("sh", "-c", "echo started in $(ip -br addr show eth0); exec sleep 600")
		WaitFor(t, 10*time.Second, func() error {
			if err := p.Err(); err != nil {
				return err
			}
			if !strings.Contains(p.Output(), "started in eth0") || !strings.Contains(p.Output(), "192.0.2.10/24") {
				return fmt.Errorf("output so far: %q", p.Output())
			}
			return nil
		})
		start := time.Now()
		_ = p.Stop()
		if p.Running() || !errors.Is(p.Err(), ErrNotRunning) || time.Since(start) > stopGrace {
			t.Errorf("after Stop: running %v, err %v, took %v", p.Running(), p.Err(), time.Since(start))
		}
	})
	out, err := runIP("netns", "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if strings.Contains(out, n) {
			t.Errorf("namespace %s survived teardown", n)
		}
	}
	if len(names) != 4 {
		t.Errorf("got %d namespaces (%v), want inet, cli, gw, lan", len(names), names)
	}
}

func TestOwnerPID(t *testing.T) {
	cases := []struct {
		name string
		pid  int
		ok   bool
	}{
		{"fv123x4-psk-cli", 123, true},
		{"fv9x1-a-inet", 9, true},
		{"fvx1-a", 0, false},
		{"fv12-a", 0, false},
		{"other", 0, false},
		{"fv0x1-a", 0, false},
	}
	for _, c := range cases {
		pid, ok := ownerPID(c.name)
		if pid != c.pid || ok != c.ok {
			t.Errorf("ownerPID(%q) = %d, %v; want %d, %v", c.name, pid, ok, c.pid, c.ok)
		}
	}
}

func TestPollTimesOutWithLastError(t *testing.T) {
	n := 0
	err := Poll(50*time.Millisecond, func() error { n++; return ErrNoSA })
	if err == nil || !strings.Contains(err.Error(), ErrNoSA.Error()) {
		t.Fatalf("Poll error = %v, want timeout wrapping ErrNoSA", err)
	}
	if n < 2 {
		t.Errorf("polled %d times, want several", n)
	}
	if Poll(time.Second, func() error { return nil }) != nil {
		t.Error("Poll of a true condition failed")
	}
}

// TestTopologyDualStack checks IPv6 addressing: hosts reach each other
// over the inet segment, the LAN host reaches its gateway, and the
// mapped addresses read like the IPv4 ones.
func TestTopologyDualStack(t *testing.T) {
	t.Parallel()
	Require(t)
	topo := NewTopology(t, "six")
	topo.DualStack()
	cli := topo.AddHost("cli", netip.MustParseAddr("192.0.2.10"))
	gw := topo.AddHost("gw", netip.MustParseAddr("192.0.2.1"))
	lan := topo.AddLAN(gw, "lan", netip.MustParseAddr("198.51.100.10"))
	if cli.Addr6 != netip.MustParseAddr("2001:db8::10") || lan.Addr6 != netip.MustParseAddr("2001:db8:0:100::10") ||
		gw.LANAddr6 != LAN6Gateway {
		t.Fatalf("addresses: cli %v lan %v gw LAN %v", cli.Addr6, lan.Addr6, gw.LANAddr6)
	}
	WaitFor(t, 10*time.Second, func() error { return cli.Ping(gw.Addr6) })
	WaitFor(t, 10*time.Second, func() error { return lan.Ping(gw.LANAddr6) })
	WaitFor(t, 10*time.Second, func() error { return gw.Ping(lan.Addr6) })
	if err := cli.Ping(lan.Addr6); err == nil {
		t.Error("client reached the IPv6 LAN without a tunnel")
	}
}
