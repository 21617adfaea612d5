package interop

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"flexvpn/test/netns"
)

// espSuite is one ESP proposal the gateway insists on, with the name
// strongSwan lists for the installed CHILD_SA.
type espSuite struct {
	name, proposal, encrAlg string
}

var throughputSuites = []espSuite{
	{name: "aes128gcm", proposal: "aes128gcm16", encrAlg: "AES_GCM_16"},
	{name: "aes128cbc-sha256", proposal: "aes128-sha256", encrAlg: "AES_CBC"},
}

// TestClientThroughputAgainstStrongSwan (issue 4): one iperf3 TCP stream
// from the client namespace to a LAN host through `flexvpn connect` and
// a strongSwan kernel-libipsec gateway, with AES-GCM-128 and with
// AES-CBC-128/HMAC-SHA2-256. The bytes must arrive and the gateway must
// have counted them on the CHILD_SA of the expected suite. The rate is
// logged; BenchmarkTunnelThroughput compares it with strongSwan on both
// ends.
func TestClientThroughputAgainstStrongSwan(t *testing.T) {
	netns.RequireStrongSwan(t)
	requireIperf3(t)
	bin := buildFlexvpn(t)
	for _, suite := range throughputSuites {
		t.Run(suite.name, func(t *testing.T) {
			run := startThroughputRun(t, "t"+suite.name, suite, bin)
			res := runIperf3(t, run.cli, 2)
			const minBytes = 1 << 20
			if got := res.End.SumReceived.Bytes; got < minBytes {
				t.Fatalf("iperf3 delivered %d bytes, want at least %d", got, minBytes)
			}
			gsa := run.swan.WaitSA(netns.GatewayConn, true, 5*time.Second)
			cc, _ := gsa.Child(netns.ChildName)
			if cc.EncrAlg != suite.encrAlg || cc.BytesIn < res.End.SumReceived.Bytes {
				t.Errorf("gateway CHILD_SA %s opened %d bytes, want %s and at least the %d iperf3 bytes",
					cc.EncrAlg, cc.BytesIn, suite.encrAlg, res.End.SumReceived.Bytes)
			}
			t.Logf("flexvpn client -> strongSwan gateway, %s, 1 TCP stream: %.0f Mbit/s (%d bytes, %d retransmits)",
				suite.name, res.End.SumReceived.BitsPerSecond/1e6, res.End.SumReceived.Bytes, res.End.SumSent.Retransmits)
		})
	}
}

// BenchmarkTunnelThroughput measures single-stream iperf3 TCP throughput
// through our client and through a strongSwan client, each against the
// same strongSwan kernel-libipsec gateway on the same topology. Each
// iteration is a 5 s transfer; run it with -benchtime=1x -count=N and
// take the median of the mbit/s metric.
func BenchmarkTunnelThroughput(b *testing.B) {
	netns.RequireStrongSwan(b)
	requireIperf3(b)
	bin := buildFlexvpn(b)
	for _, client := range []string{"flexvpn", "strongswan"} {
		for _, suite := range throughputSuites {
			b.Run(client+"/"+suite.name, func(b *testing.B) {
				var run throughputRun
				if client == "flexvpn" {
					run = startThroughputRun(b, "bf"+suite.name[6:9], suite, bin)
				} else {
					run = startSwanThroughputRun(b, "bs"+suite.name[6:9], suite)
				}
				var mbits float64
				for b.Loop() {
					res := runIperf3(b, run.cli, 5)
					mbits = res.End.SumReceived.BitsPerSecond / 1e6
				}
				b.ReportMetric(mbits, "mbit/s")
			})
		}
	}
}

// throughputRun is a connected client namespace with iperf3 -s on the LAN.
type throughputRun struct {
	cli  *netns.Host
	swan *netns.StrongSwan // the gateway
}

// startThroughputRun connects `flexvpn connect` (PSK) to a strongSwan
// gateway that only accepts suite, with iperf3 -s on the LAN host.
func startThroughputRun(tb testing.TB, tag string, suite espSuite, bin string) throughputRun {
	topo := netns.NewTopology(tb, tag)
	cli := topo.AddHost("cli", cliAddr)
	gw := topo.AddHost("gw", gwAddr)
	lan := topo.AddLAN(gw, "lan", lanAddr)
	spec := netns.GatewaySpec{Addr: gwAddr, ID: gwFQDN, PSK: ikePSK, Pool: vpnPool, ESPProposals: []string{suite.proposal}}
	swan := netns.StartStrongSwan(tb, gw, spec.Config())
	prof := clientProfile{Method: "psk", Identity: cliFQDN, PSK: ikePSK, GatewayID: gwFQDN}
	c := startClient(tb, cli, bin, prof.write(tb, tb.TempDir()))
	c.waitConnected(30 * time.Second)
	lan.Start("iperf3", "-s", "-B", lanAddr.String())
	return throughputRun{cli: cli, swan: swan}
}

// startSwanThroughputRun is startThroughputRun with a strongSwan client.
func startSwanThroughputRun(tb testing.TB, tag string, suite espSuite) throughputRun {
	topo := netns.NewTopology(tb, tag)
	cli := topo.AddHost("cli", cliAddr)
	gw := topo.AddHost("gw", gwAddr)
	lan := topo.AddLAN(gw, "lan", lanAddr)
	spec := netns.GatewaySpec{Addr: gwAddr, ID: gwFQDN, PSK: ikePSK, Pool: vpnPool, ESPProposals: []string{suite.proposal}}
	swan := netns.StartStrongSwan(tb, gw, spec.Config())
	client := netns.StartStrongSwan(tb, cli, netns.ClientSpec{Gateway: gwAddr, GatewayID: gwFQDN, ID: cliFQDN,
		PSK: ikePSK, VirtualIP: true, ESPProposals: []string{suite.proposal}}.Config())
	if err := client.Initiate(netns.ChildName); err != nil {
		tb.Fatalf("strongSwan client: %v", err)
	}
	lan.Start("iperf3", "-s", "-B", lanAddr.String())
	return throughputRun{cli: cli, swan: swan}
}

func requireIperf3(tb testing.TB) {
	tb.Helper()
	if _, err := exec.LookPath("iperf3"); err != nil {
		tb.Skip("root-only throughput test skipped: iperf3 is not installed (apt-get install iperf3)")
	}
}

// iperf3Result is the part of `iperf3 -J` output the tests read.
type iperf3Result struct {
	End struct {
		SumSent struct {
			Retransmits int `json:"retransmits"`
		} `json:"sum_sent"`
		SumReceived struct {
			Bytes         uint64  `json:"bytes"`
			BitsPerSecond float64 `json:"bits_per_second"`
		} `json:"sum_received"`
	} `json:"end"`
	Error string `json:"error"`
}

// runIperf3 runs one TCP stream from h to the LAN host for secs seconds,
// retrying while the server is still starting.
func runIperf3(tb testing.TB, h *netns.Host, secs int) iperf3Result {
	tb.Helper()
	var res iperf3Result
	netns.WaitFor(tb, 20*time.Second+time.Duration(secs)*time.Second, func() error {
		out, err := h.Exec("iperf3", "-c", lanAddr.String(), "-t", fmt.Sprint(secs), "-J")
		res = iperf3Result{}
		if jerr := json.Unmarshal([]byte(out), &res); jerr != nil {
			return fmt.Errorf("iperf3: %v: %w: %s", err, jerr, strings.TrimSpace(out))
		}
		if res.Error != "" {
			return fmt.Errorf("iperf3: %s", res.Error)
		}
		return err
	})
	return res
}
