package datapath

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"flexvpn/platform/tunif/tunfake"
	"flexvpn/tunnel/esp"
)

// The in-process setup: a client and a server Device on loopback UDP, each
// with a fake TUN, joined by a statically keyed Child SA (no IKE). The
// client routes everything to the server; the server routes the client's
// inner address back to it.

const waitFor = 5 * time.Second

type pair struct {
	client, server *Device
	ctun, stun     *tunfake.TUN
	// c2s and s2c are the current SAs of each direction.
	c2sOut, s2cOut *esp.Outbound
	c2sIn, s2cIn   *esp.Inbound
}

// spi pairs used by tests: client→server and server→client.
const (
	spiC2S = 0x1000c25
	spiS2C = 0x2000c25
)

func newPair(t testing.TB, mkCfg func(spi uint32, seed byte) esp.Config, tunCfg tunfake.Config) *pair {
	t.Helper()
	return newPairWith(t, mkCfg, tunCfg, Config{})
}

// newPairWith is newPair with extra client Device settings.
func newPairWith(t testing.TB, mkCfg func(spi uint32, seed byte) esp.Config, tunCfg tunfake.Config, clientCfg Config) *pair {
	t.Helper()
	p := &pair{}
	p.client, p.ctun = newTestDevice(t, tunCfg, clientCfg)
	p.server, p.stun = newTestDevice(t, tunCfg, Config{})
	p.install(t, mkCfg(spiC2S, 1), mkCfg(spiS2C, 2))
	return p
}

// install keys both directions make-before-break: inbound SAs first, then
// the outbound switch. The caller retires the previous inbound SPIs.
func (p *pair) install(t testing.TB, c2s, s2c esp.Config) {
	t.Helper()
	p.c2sOut, p.c2sIn = saPair(t, c2s)
	p.s2cOut, p.s2cIn = saPair(t, s2c)
	clientNet := []netip.Prefix{netip.PrefixFrom(clientInner, 32), netip.PrefixFrom(clientInner6, 128)}
	must(t, p.server.AddInbound(c2s.SPI, p.c2sIn, clientNet))
	must(t, p.client.AddInbound(s2c.SPI, p.s2cIn, nil))
	all := []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}
	must(t, p.client.SetOutbound(all, p.c2sOut, p.server.LocalAddr()))
	must(t, p.server.SetOutbound(clientNet, p.s2cOut, p.client.LocalAddr()))
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// expect waits for the next packet written to tun and compares it.
func expect(t testing.TB, tun *tunfake.TUN, want []byte) {
	t.Helper()
	select {
	case got := <-tun.Written():
		if !bytes.Equal(got, want) {
			t.Fatalf("received %d bytes %x..., want %d bytes %x...", len(got), head(got), len(want), head(want))
		}
	case <-time.After(waitFor):
		t.Fatalf("packet of %d bytes never arrived", len(want))
	}
}

func head(b []byte) []byte { return b[:min(len(b), 24)] }

// send injects pkt at from and waits for it at to.
func send(t testing.TB, from, to *tunfake.TUN, pkt []byte) {
	t.Helper()
	must(t, from.Inject(pkt))
	expect(t, to, pkt)
}

func TestPairBothWays(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  func(uint32, byte) esp.Config
	}{{"aes-gcm", gcmConfig}, {"aes-cbc-sha256", cbcConfig}} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPair(t, tc.cfg, tunfake.Config{})
			var inner uint64
			for i, size := range []int{0, 1, 33, 200, 1000, 1380} {
				up := ipv4Packet(clientInner, serverLAN, 17, udpPayload(i, size))
				send(t, p.ctun, p.stun, up)
				down := ipv4Packet(serverLAN, clientInner, 17, udpPayload(i+100, size))
				send(t, p.stun, p.ctun, down)
				inner += uint64(len(up))
			}
			up6 := ipv6Packet(clientInner6, serverLAN6, 17, udpPayload(7, 500))
			send(t, p.ctun, p.stun, up6)
			send(t, p.stun, p.ctun, ipv6Packet(serverLAN6, clientInner6, 17, udpPayload(8, 500)))
			inner += uint64(len(up6))

			// A packet can arrive before its sender or receiver has
			// counted it: wait for the counters to settle at 7.
			settled := func() bool {
				cs, ss := p.client.Stats(), p.server.Stats()
				return cs.PacketsOut == 7 && cs.PacketsIn == 7 && ss.PacketsOut == 7 && ss.PacketsIn == 7
			}
			waitUntil(t, settled)
			cs, ss := p.client.Stats(), p.server.Stats()
			if cs.BytesOut != inner || ss.BytesIn != inner {
				t.Errorf("bytes: client out %d, server in %d, want %d", cs.BytesOut, ss.BytesIn, inner)
			}
			if cs.Drops.Total()+ss.Drops.Total() != 0 {
				t.Errorf("drops: client %+v server %+v", cs.Drops, ss.Drops)
			}
		})
	}
}

// TestPairOverIPv6 runs the tunnel over IPv6 loopback, which exercises the
// IPv6 socket and sockaddr paths (and GSO over IPv6).
func TestPairOverIPv6(t *testing.T) {
	probe, err := listenUDP(netip.MustParseAddrPort("[::1]:0"))
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	_ = probe.conn.Close()
	v6 := Config{ListenNATT: netip.MustParseAddrPort("[::1]:0")}
	p := &pair{}
	tunCfg := tunfake.Config{BatchSize: 16}
	p.client, p.ctun = newTestDevice(t, tunCfg, v6)
	p.server, p.stun = newTestDevice(t, tunCfg, v6)
	p.install(t, gcmConfig(spiC2S, 1), gcmConfig(spiS2C, 2))
	if mtu := p.client.InnerMTU(); mtu != InnerMTU(1500, true, OverheadAESGCM) {
		t.Errorf("InnerMTU over IPv6 = %d", mtu)
	}
	burst := make([][]byte, 40)
	for i := range burst {
		burst[i] = ipv4Packet(clientInner, serverLAN, 17, udpPayload(i, 1000))
		must(t, p.ctun.Inject(burst[i])) // a burst, so that GSO trains form
	}
	for _, pkt := range burst {
		expect(t, p.stun, pkt)
	}
	send(t, p.stun, p.ctun, ipv6Packet(serverLAN6, clientInner6, 17, udpPayload(9, 300)))
}

// TestPairPipelined keeps many packets in flight with a batching TUN.
func TestPairPipelined(t *testing.T) {
	p := newPair(t, gcmConfig, tunfake.Config{BatchSize: 32})
	const total, window = 2000, 32
	pkts := make([][]byte, total)
	for i := range pkts {
		pkts[i] = ipv4Packet(clientInner, serverLAN, 17, udpPayload(i, 64+i%1200))
	}
	for _, pkt := range pkts[:window] { // the fake's queue holds them all
		must(t, p.ctun.Inject(pkt))
	}
	for i := range total {
		expect(t, p.stun, pkts[i])
		if i+window < total {
			must(t, p.ctun.Inject(pkts[i+window]))
		}
	}
	waitUntil(t, func() bool { return p.server.Stats().PacketsIn >= total })
	if s := p.server.Stats(); s.PacketsIn != total || s.Drops.Total() != 0 {
		t.Errorf("server in %d drops %+v", s.PacketsIn, s.Drops)
	}
}

// TestRekeyMakeBeforeBreak rekeys both directions while packets flow both
// ways and requires every packet to arrive, then checks the new SAs carry
// the traffic and the old inbound SAs are gone after the grace period.
func TestRekeyMakeBeforeBreak(t *testing.T) {
	p := newPair(t, gcmConfig, tunfake.Config{})
	oldC2S, oldS2C := p.c2sIn, p.s2cIn
	stop := make(chan struct{})
	done := make(chan int)
	go func() {
		n := 0
		for ; ; n++ {
			select {
			case <-stop:
				done <- n
				return
			default:
			}
			// Fatal is not allowed off the test goroutine; use Error and stop.
			if !trySend(t, p.ctun, p.stun, ipv4Packet(clientInner, serverLAN, 17, udpPayload(n, 300))) ||
				!trySend(t, p.stun, p.ctun, ipv4Packet(serverLAN, clientInner, 17, udpPayload(n, 300))) {
				done <- n
				return
			}
		}
	}()
	waitUntil(t, func() bool { return p.server.Stats().PacketsIn > 50 })
	p.install(t, gcmConfig(spiC2S+1, 3), gcmConfig(spiS2C+1, 4))
	p.server.RetireInbound(spiC2S, 200*time.Millisecond)
	p.client.RetireInbound(spiS2C, 200*time.Millisecond)
	waitUntil(t, func() bool { return p.c2sIn.Stats().Packets > 50 && p.s2cIn.Stats().Packets > 50 })
	waitUntil(t, func() bool {
		return p.server.tables.lookupIn(spiC2S) == nil && p.client.tables.lookupIn(spiS2C) == nil
	})
	oldBefore := oldC2S.Stats().Packets + oldS2C.Stats().Packets
	waitUntil(t, func() bool { return p.c2sIn.Stats().Packets > 100 })
	close(stop)
	n := <-done
	if oldC2S.Stats().Packets+oldS2C.Stats().Packets != oldBefore {
		t.Error("old SAs still carried traffic after the switch")
	}
	for _, d := range []*Device{p.client, p.server} {
		if s := d.Stats(); s.Drops.Total() != 0 {
			t.Errorf("drops during rekey: %+v", s.Drops)
		}
	}
	t.Logf("%d round trips across the rekey", n)
}

// trySend is send for helper goroutines: it reports failure instead of
// calling Fatal.
func trySend(t testing.TB, from, to *tunfake.TUN, pkt []byte) bool {
	if err := from.Inject(pkt); err != nil {
		t.Error(err)
		return false
	}
	select {
	case got := <-to.Written():
		if !bytes.Equal(got, pkt) {
			t.Errorf("packet corrupted: got %x..., want %x...", head(got), head(pkt))
			return false
		}
		return true
	case <-time.After(waitFor):
		t.Error("packet lost")
		return false
	}
}

// waitUntil polls cond until it holds or the test times out.
func waitUntil(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in time")
		}
		time.Sleep(2 * time.Millisecond)
	}
}
