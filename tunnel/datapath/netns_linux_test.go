package datapath

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os/exec"
	"testing"
	"time"

	"flexvpn/platform/tunif"
	"flexvpn/test/netns"
)

// The root-only test: real TUN devices and real sockets in network
// namespaces, statically keyed (no IKE).
//
//	cli 192.0.2.10 ──(inet bridge)── gw 192.0.2.1 ── lan0 ── lan 198.51.100.10
//	 fvdp0 203.0.113.10/32             fvdp0 (no address, forwarding on)
//	 route 198.51.100.0/24 → fvdp0     route 203.0.113.10/32 → fvdp0
//
// ESP-in-UDP flows between 192.0.2.10:4500 and 192.0.2.1:4500; the LAN
// host answers the client through the gateway's tunnel.

var tunnelAddr = netip.MustParseAddr("203.0.113.10")

// nsEnd is one tunnel endpoint created inside a namespace.
type nsEnd struct {
	host *netns.Host
	dev  *Device
}

// startEnd creates the TUN and the Device inside h's namespace; the
// sockets and the TUN stay there when the goroutines later run elsewhere.
func startEnd(t *testing.T, h *netns.Host, mtu int) *nsEnd {
	t.Helper()
	e := &nsEnd{host: h}
	err := h.Do(func() error {
		tun, err := tunif.Create("fvdp0", mtu)
		if err != nil {
			return err
		}
		e.dev, err = New(Config{TUN: tun, ListenNATT: netip.AddrPortFrom(h.Addr, 4500)})
		if err != nil {
			_ = tun.Close()
		}
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", h.Name, err)
	}
	t.Cleanup(func() { _ = e.dev.Close() })
	h.IP("link", "set", "fvdp0", "up")
	return e
}

// keyTunnel installs a statically keyed AES-GCM Child SA between the ends:
// the client's inner prefixes on one side, the LAN prefixes on the other.
func keyTunnel(t *testing.T, cli, gw *nsEnd, client, lan []netip.Prefix) {
	t.Helper()
	c2sOut, c2sIn := saPair(t, gcmConfig(spiC2S, 1))
	s2cOut, s2cIn := saPair(t, gcmConfig(spiS2C, 2))
	must(t, gw.dev.AddInbound(spiC2S, c2sIn, client))
	must(t, cli.dev.AddInbound(spiS2C, s2cIn, lan))
	must(t, cli.dev.SetOutbound(lan, c2sOut, gw.dev.LocalAddr()))
	must(t, gw.dev.SetOutbound(client, s2cOut, cli.dev.LocalAddr()))
}

func TestNetnsPingAndIperf(t *testing.T) {
	netns.Require(t)
	if _, err := exec.LookPath("iperf3"); err != nil {
		t.Skip("root-only namespace test skipped: iperf3 not installed")
	}
	topo := netns.NewTopology(t, "dp")
	cliHost := topo.AddHost("cli", netip.MustParseAddr("192.0.2.10"))
	gwHost := topo.AddHost("gw", netip.MustParseAddr("192.0.2.1"))
	lan := topo.AddLAN(gwHost, "lan", netip.MustParseAddr("198.51.100.10"))
	lanNet := netip.MustParsePrefix("198.51.100.0/24")

	mtu := InnerMTU(1500, false, OverheadAESGCM)
	cli, gw := startEnd(t, cliHost, mtu), startEnd(t, gwHost, mtu)
	cliHost.IP("addr", "add", tunnelAddr.String()+"/32", "dev", "fvdp0")
	cliHost.IP("route", "add", lanNet.String(), "dev", "fvdp0", "src", tunnelAddr.String())
	gwHost.IP("route", "add", tunnelAddr.String()+"/32", "dev", "fvdp0")
	keyTunnel(t, cli, gw, []netip.Prefix{netip.PrefixFrom(tunnelAddr, 32)}, []netip.Prefix{lanNet})
	if got := cli.dev.InnerMTU(); got != mtu {
		t.Errorf("InnerMTU with an AES-GCM SA = %d, want %d", got, mtu)
	}

	netns.WaitFor(t, 10*time.Second, func() error { return cliHost.Ping(lan.Addr) })
	// The reply can overtake the gateway's counter update: poll.
	netns.WaitFor(t, 5*time.Second, func() error {
		if s := gw.dev.Stats(); s.PacketsIn == 0 || s.PacketsOut == 0 {
			return fmt.Errorf("ping answered but the gateway pump saw in %d out %d", s.PacketsIn, s.PacketsOut)
		}
		return nil
	})

	lan.Start("iperf3", "-s", "-B", lan.Addr.String())
	// Reverse first (LAN host sends to the client), then forward: both
	// Devices both seal bulk data and open it.
	rev := runIperf(t, cliHost, lan.Addr, 2, "-R")
	if rev.End.SumReceived.Bytes < 1<<20 {
		t.Fatalf("reverse iperf3 moved only %d bytes", rev.End.SumReceived.Bytes)
	}
	t.Logf("iperf3 single TCP stream LAN -> client: %.0f Mbit/s", rev.End.SumReceived.BitsPerSecond/1e6)
	gwInBefore := gw.dev.Stats().BytesIn
	res := runIperf(t, cliHost, lan.Addr, 3)
	if res.End.SumReceived.Bytes < 1<<20 {
		t.Fatalf("iperf3 moved only %d bytes", res.End.SumReceived.Bytes)
	}
	if opened := gw.dev.Stats().BytesIn - gwInBefore; opened < res.End.SumReceived.Bytes {
		t.Errorf("gateway opened %d inner bytes, less than the %d TCP payload bytes iperf3 received", opened, res.End.SumReceived.Bytes)
	}
	t.Logf("iperf3 single TCP stream client -> LAN: %.0f Mbit/s (%d bytes, %d retransmits)",
		res.End.SumReceived.BitsPerSecond/1e6, res.End.SumReceived.Bytes, res.End.SumSent.Retransmits)
	rekeyUnderLoad(t, cliHost, lan.Addr, cli, gw, []netip.Prefix{netip.PrefixFrom(tunnelAddr, 32)}, []netip.Prefix{lanNet})
	for _, e := range []*nsEnd{cli, gw} {
		s := e.dev.Stats()
		t.Logf("%s: in %d pkts / %d B, out %d pkts / %d B, drops %+v", e.host.Name, s.PacketsIn, s.BytesIn, s.PacketsOut, s.BytesOut, s.Drops)
		if s.Drops.Auth+s.Drops.Malformed+s.Drops.UnknownSPI+s.Drops.Policy != 0 {
			t.Errorf("%s: unexpected drops %+v", e.host.Name, s.Drops)
		}
	}
}

// rekeyUnderLoad replaces both Child SAs make-before-break in the middle
// of an iperf3 stream; the stream must finish and carry data on the new
// SAs, and the Devices must drop nothing for unknown SPI or replay.
func rekeyUnderLoad(t *testing.T, h *netns.Host, server netip.Addr, cli, gw *nsEnd, client, lan []netip.Prefix) {
	t.Helper()
	type result struct {
		out string
		err error
	}
	base := gw.dev.Stats().PacketsIn
	done := make(chan result, 1)
	go func() {
		out, err := h.Exec("iperf3", "-c", server.String(), "-t", "3", "-J")
		done <- result{out, err}
	}()
	netns.WaitFor(t, 10*time.Second, func() error {
		// A thousand packets: well under way even under the race detector.
		if gw.dev.Stats().PacketsIn < base+1000 {
			return fmt.Errorf("stream not flowing yet")
		}
		return nil
	})
	c2sOut, c2sIn := saPair(t, gcmConfig(spiC2S+2, 5))
	s2cOut, s2cIn := saPair(t, gcmConfig(spiS2C+2, 6))
	must(t, gw.dev.AddInbound(spiC2S+2, c2sIn, client))
	must(t, cli.dev.AddInbound(spiS2C+2, s2cIn, lan))
	must(t, cli.dev.SetOutbound(lan, c2sOut, gw.dev.LocalAddr()))
	must(t, gw.dev.SetOutbound(client, s2cOut, cli.dev.LocalAddr()))
	gw.dev.RetireInbound(spiC2S, 500*time.Millisecond)
	cli.dev.RetireInbound(spiS2C, 500*time.Millisecond)

	r := <-done
	var res iperfResult
	if err := json.Unmarshal([]byte(r.out), &res); err != nil || r.err != nil || res.Error != "" {
		t.Fatalf("iperf3 across the rekey: %v %v %s", r.err, err, res.Error)
	}
	if c2sIn.Stats().Bytes < 1<<20 {
		t.Errorf("the new SA opened only %d bytes", c2sIn.Stats().Bytes)
	}
	for _, e := range []*nsEnd{cli, gw} {
		if s := e.dev.Stats(); s.Drops.UnknownSPI+s.Drops.Replay+s.Drops.Auth != 0 {
			t.Errorf("%s: drops across the rekey %+v", e.host.Name, s.Drops)
		}
	}
	t.Logf("iperf3 across a rekey: %.0f Mbit/s, %d retransmits", res.End.SumReceived.BitsPerSecond/1e6, res.End.SumSent.Retransmits)
}

// TestNetnsIPv6Inner carries IPv6 inside the tunnel (outer IPv4), which
// takes wireguard's TUN through its IPv6 GSO split and GRO paths.
func TestNetnsIPv6Inner(t *testing.T) {
	netns.Require(t)
	if _, err := exec.LookPath("iperf3"); err != nil {
		t.Skip("root-only namespace test skipped: iperf3 not installed")
	}
	topo := netns.NewTopology(t, "dp6")
	cliHost := topo.AddHost("cli", netip.MustParseAddr("192.0.2.10"))
	gwHost := topo.AddHost("gw", netip.MustParseAddr("192.0.2.1"))
	lan := topo.AddLAN(gwHost, "lan", netip.MustParseAddr("198.51.100.10"))
	var (
		lanNet  = netip.MustParsePrefix("2001:db8:1::/64")
		lanGW   = netip.MustParseAddr("2001:db8:1::1")
		lanAddr = netip.MustParseAddr("2001:db8:1::10")
		tunnel6 = netip.MustParseAddr("2001:db8:2::10")
		client6 = netip.PrefixFrom(tunnel6, 128)
		noDAD   = "nodad" // no duplicate address detection delay
	)
	gwHost.EnableForwarding()
	gwHost.IP("addr", "add", netip.PrefixFrom(lanGW, 64).String(), "dev", "lan0", noDAD)
	lan.IP("addr", "add", netip.PrefixFrom(lanAddr, 64).String(), "dev", "eth0", noDAD)
	lan.IP("-6", "route", "add", "default", "via", lanGW.String())

	cli, gw := startEnd(t, cliHost, InnerMTU(1500, false, OverheadAESGCM)), startEnd(t, gwHost, InnerMTU(1500, false, OverheadAESGCM))
	cliHost.IP("addr", "add", client6.String(), "dev", "fvdp0", noDAD)
	cliHost.IP("route", "add", lanNet.String(), "dev", "fvdp0", "src", tunnel6.String())
	gwHost.IP("route", "add", client6.String(), "dev", "fvdp0")
	keyTunnel(t, cli, gw, []netip.Prefix{client6}, []netip.Prefix{lanNet})

	lan.Start("iperf3", "-s", "-B", lanAddr.String())
	res := runIperf(t, cliHost, lanAddr, 2)
	if res.End.SumReceived.Bytes < 1<<20 {
		t.Fatalf("iperf3 over IPv6 moved only %d bytes", res.End.SumReceived.Bytes)
	}
	t.Logf("iperf3 single TCP stream over inner IPv6, client -> LAN: %.0f Mbit/s", res.End.SumReceived.BitsPerSecond/1e6)
	for _, e := range []*nsEnd{cli, gw} {
		if s := e.dev.Stats(); s.Drops.Auth+s.Drops.Malformed+s.Drops.UnknownSPI+s.Drops.Policy != 0 {
			t.Errorf("%s: unexpected drops %+v", e.host.Name, s.Drops)
		}
	}
}

// iperfResult is the part of iperf3 -J output the test reads.
type iperfResult struct {
	End struct {
		SumSent struct {
			Bytes       uint64 `json:"bytes"`
			Retransmits int    `json:"retransmits"`
		} `json:"sum_sent"`
		SumReceived struct {
			Bytes         uint64  `json:"bytes"`
			BitsPerSecond float64 `json:"bits_per_second"`
		} `json:"sum_received"`
	} `json:"end"`
	Error string `json:"error"`
}

// runIperf runs an iperf3 client from h to server for secs seconds (extra
// flags such as -R appended),
// retrying while the server is still starting.
func runIperf(t *testing.T, h *netns.Host, server netip.Addr, secs int, extra ...string) iperfResult {
	t.Helper()
	var res iperfResult
	args := append([]string{"iperf3", "-c", server.String(), "-t", fmt.Sprint(secs), "-J"}, extra...)
	netns.WaitFor(t, 20*time.Second, func() error {
		out, err := h.Exec(args...)
		res = iperfResult{}
		if jerr := json.Unmarshal([]byte(out), &res); jerr != nil {
			return fmt.Errorf("iperf3: %v: %w", err, jerr)
		}
		if res.Error != "" {
			return fmt.Errorf("iperf3: %s", res.Error)
		}
		return err
	})
	return res
}
