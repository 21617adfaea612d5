package netns

import (
	"net/netip"
	"os/exec"
	"testing"
	"time"
)

func TestIperf3AcrossBridge(t *testing.T) {
	t.Parallel()
	Require(t)
	if _, err := exec.LookPath("iperf3"); err != nil {
		t.Skip("iperf3 not installed")
	}
	topo := NewTopology(t, "iperf")
	a := topo.AddHost("a", netip.MustParseAddr("192.0.2.10"))
	b := topo.AddHost("b", netip.MustParseAddr("192.0.2.1"))
	res, err := Iperf3(b, a, b.Addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// A veth pair moves gigabits; 10 Mbit/s only rules out a broken parse.
	if res.Mbps() < 10 || res.SentBytes == 0 {
		t.Errorf("iperf3 over a veth bridge: %+v", res)
	}
	t.Logf("bridge: %.0f Mbit/s", res.Mbps())
}

func TestParseIperf(t *testing.T) {
	r, err := parseIperf(`{"end":{"sum_sent":{"bytes":1000,"retransmits":3},"sum_received":{"bits_per_second":2.5e8}}}`)
	if err != nil || r.Mbps() != 250 || r.Retransmits != 3 || r.SentBytes != 1000 {
		t.Errorf("parseIperf = %+v, %v", r, err)
	}
	if _, err := parseIperf(`{"error":"unable to connect to server"}`); err == nil {
		t.Error("an iperf3 error was not reported")
	}
	if _, err := parseIperf("not json"); err == nil {
		t.Error("garbage accepted")
	}
}
