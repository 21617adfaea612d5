package netns

import (
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"
)

// recorder is a testing.TB that records Errorf instead of failing.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// TestCaptureOnBridge sends one IKE header across the inet bridge and
// checks that a capture started before it holds exactly that datagram:
// Capture must be ready when it returns and Stop must not lose the
// packet libpcap still holds.
func TestCaptureOnBridge(t *testing.T) {
	t.Parallel()
	Require(t)
	RequireTshark(t)
	topo := NewTopology(t, "cap")
	a := topo.AddHost("a", netip.MustParseAddr("192.0.2.10"))
	b := topo.AddHost("b", netip.MustParseAddr("192.0.2.1"))
	WaitFor(t, 10*time.Second, func() error { return a.Ping(b.Addr) })
	c := topo.Inet().Capture("br0", "udp port 500")
	sendUDP(t, a, b.Addr, mustHex(ikeHeaderHex))
	ds, err := IKEDatagrams(c.Stop())
	if err != nil || len(ds) != 1 {
		t.Fatalf("IKEDatagrams = %+v, %v; want the one datagram sent", ds, err)
	}
	if ds[0].Exchange() != 34 || ds[0].Src.Addr() != a.Addr || ds[0].Dst.Addr() != b.Addr {
		t.Errorf("datagram %v -> %v exchange %d", ds[0].Src, ds[0].Dst, ds[0].Exchange())
	}
}

// sendUDP sends one datagram from h to dst:500.
func sendUDP(t *testing.T, h *Host, dst netip.Addr, b []byte) {
	t.Helper()
	var conn *net.UDPConn
	err := h.Do(func() error {
		var err error
		conn, err = net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(dst, 500)))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write(b); err != nil {
		t.Fatal(err)
	}
}
