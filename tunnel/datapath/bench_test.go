package datapath

import (
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"flexvpn/platform/tunif/tunfake"
)

// BenchmarkPump measures the whole client → server path in one process:
// fake TUN read, seal, sendmmsg over loopback UDP, recvmmsg, SPI lookup,
// open, fake TUN write. One op is one packet; allocs/op covers both
// Devices (the fake TUNs copy nothing).
func BenchmarkPump(b *testing.B) {
	for _, size := range []int{64, 1400} {
		b.Run(byteSize(size), func(b *testing.B) { benchPump(b, size) })
	}
}

func byteSize(n int) string {
	if n >= 1000 {
		return string(rune('0'+n/1000)) + "k" + string(rune('0'+n%1000/100)) + "B"
	}
	return string(rune('0'+n/10)) + string(rune('0'+n%10)) + "B"
}

func benchPump(b *testing.B, size int) {
	// Credits keep a window of packets in flight, so the loopback socket
	// buffer never overflows and the figure is throughput without loss;
	// blocking on them (rather than spinning) leaves the CPU to the pump.
	const window = 256
	credits := make(chan struct{}, window)
	var got atomic.Int64
	done := make(chan struct{})
	sink := tunfake.Config{BatchSize: 64, Queue: window, OnWrite: func([]byte) {
		<-credits
		if got.Add(1) == int64(b.N) {
			close(done)
		}
	}}
	p := newPair(b, gcmConfig, sink)
	pkt := ipv4Packet(clientInner, serverLAN, 17, udpPayload(1, size-ipv4HeaderLen))
	b.SetBytes(int64(len(pkt)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		credits <- struct{}{}
		if err := p.ctun.Inject(pkt); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		b.Fatalf("%d of %d packets lost (drops %+v)", int64(b.N)-got.Load(), b.N, p.server.Stats().Drops)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "pkts/s")
}

// BenchmarkLookupOut is the server's per-packet route lookup with 10 000
// clients (one /32 each) and a few split prefixes.
func BenchmarkLookupOut(b *testing.B) {
	d, _ := newTestDevice(b, tunfake.Config{}, Config{})
	const clients = 10000
	for i := range clients {
		host := netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})
		if err := d.SetOutbound([]netip.Prefix{netip.PrefixFrom(host, 32)}, nullSealer{i}, d.LocalAddr()); err != nil {
			b.Fatal(err)
		}
	}
	for _, p := range []string{"198.51.100.0/24", "203.0.113.0/24", "192.0.2.0/25"} {
		if err := d.SetOutbound([]netip.Prefix{netip.MustParsePrefix(p)}, nullSealer{-1}, d.LocalAddr()); err != nil {
			b.Fatal(err)
		}
	}
	t := &d.tables
	dsts := []netip.Addr{netip.MustParseAddr("10.0.7.77"), netip.MustParseAddr("203.0.113.9"), netip.MustParseAddr("192.0.2.200")}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		_ = t.lookupOut(dsts[i%len(dsts)])
	}
}

// BenchmarkLookupOutClient is a client's per-packet route lookup: no host
// routes, both default routes and a few split-tunnel prefixes.
func BenchmarkLookupOutClient(b *testing.B) {
	d, _ := newTestDevice(b, tunfake.Config{}, Config{})
	for i, p := range []string{"0.0.0.0/0", "::/0", "10.0.0.0/8", "192.168.0.0/16", "172.16.0.0/12"} {
		if err := d.SetOutbound([]netip.Prefix{netip.MustParsePrefix(p)}, nullSealer{i}, d.LocalAddr()); err != nil {
			b.Fatal(err)
		}
	}
	t := &d.tables
	dsts := []netip.Addr{netip.MustParseAddr("198.51.100.7"), netip.MustParseAddr("10.1.2.3"), netip.MustParseAddr("192.168.1.1")}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		_ = t.lookupOut(dsts[i%len(dsts)])
	}
}
