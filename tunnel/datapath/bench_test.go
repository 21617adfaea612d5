package datapath

import (
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
