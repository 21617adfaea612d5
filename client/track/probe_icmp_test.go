package track

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"
)

// icmpAllowed skips when this process may open neither a ping socket nor
// a raw socket; as root it must work, so there it fails instead.
func icmpAllowed(t *testing.T, v6 bool) {
	t.Helper()
	c, err := openICMP(v6)
	if err == nil {
		c.Close()
		return
	}
	if os.Geteuid() == 0 {
		t.Fatalf("root cannot open an ICMP socket: %v", err)
	}
	t.Skipf("ICMP sockets not allowed for this user (%v); run as root or widen net.ipv4.ping_group_range", err)
}

func TestICMPProbeLoopback(t *testing.T) {
	for _, tc := range []struct {
		host string
		v6   bool
	}{{"127.0.0.1", false}, {"::1", true}} {
		t.Run(tc.host, func(t *testing.T) {
			icmpAllowed(t, tc.v6)
			p := &ICMPProbe{Host: tc.host}
			for i := range 3 { // a fresh socket and token every time
				ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
				err := p.Probe(ctx)
				cancel()
				if err != nil {
					t.Fatalf("echo %d to %s: %v", i, tc.host, err)
				}
			}
		})
	}
}

// TestICMPProbeNoReply pings a TEST-NET address nothing answers: the
// probe fails (no route, or no reply in time) and says so.
func TestICMPProbeNoReply(t *testing.T) {
	icmpAllowed(t, false)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	err := (&ICMPProbe{Host: "192.0.2.213"}).Probe(ctx)
	if err == nil {
		t.Fatal("192.0.2.213 answered")
	}
	if ctx.Err() != nil && !errors.Is(err, ErrNoReply) {
		t.Fatalf("timed out with %v, want ErrNoReply", err)
	}
}

func TestICMPProbeThroughTracker(t *testing.T) {
	icmpAllowed(t, false)
	tr := realTracker(t, ProbeICMP, "127.0.0.1")
	waitState(t, tr, "obj", Up)
}

func TestOpenICMPFallsBackToRaw(t *testing.T) {
	// ping_group_range "1 0" (the Debian default) forbids ping sockets
	// even to root; the probe must then use a raw socket.
	if _, err := openPingSocket(false); err == nil {
		t.Skip("ping sockets are allowed here; the raw fallback is not exercised")
	}
	if os.Geteuid() != 0 {
		t.Skip("raw sockets need root")
	}
	c, err := openICMP(false)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !c.raw {
		t.Fatal("fell back to something other than a raw socket")
	}
}
