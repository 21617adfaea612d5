package server_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"flexvpn/server"
	"flexvpn/tunnel/ike"
	"flexvpn/tunnel/ike/wire"
)

// Server capacity, measured in one process: many initiators (plain IKE
// endpoints, no data plane) against a Server on loopback with PSK.
// Initiators and server share the CPUs, so the figures are a lower bound
// for a server running alone.

// benchClient is an initiator endpoint on its own loopback ports.
type benchClient struct {
	ep *ike.Endpoint
	tr *ike.UDPTransport
}

func newBenchClient(b *testing.B) *benchClient {
	b.Helper()
	addr := netip.MustParseAddr("127.0.0.1")
	tr, err := ike.ListenUDP(addr, freePort(b), freePort(b))
	if err != nil {
		b.Fatal(err)
	}
	ikeAddr, nattAddr := tr.LocalAddrs()
	ep, err := ike.NewEndpoint(ike.EndpointConfig{Transport: tr, Local: addr,
		IKEPort: ikeAddr.Port(), NATTPort: nattAddr.Port()})
	if err != nil {
		b.Fatal(err)
	}
	tr.Serve(ep)
	b.Cleanup(func() { ep.Close(); tr.Close() })
	return &benchClient{ep: ep, tr: tr}
}

// freePort asks the kernel for a free UDP port.
func freePort(tb testing.TB) uint16 {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	return uint16(c.LocalAddr().(*net.UDPAddr).Port)
}

func benchPeerConfig(i int, requestConfig bool) ike.Config {
	cfg := pskClient(fmt.Sprintf("user%d@example.com", i))
	cfg.RequestConfig = requestConfig
	cfg.NoInitialContact = true
	cfg.RetransmitT = time.Second
	if !requestConfig {
		// Without CP, each session's inner side is its own /128 in the
		// documentation prefix, so each gets its own route.
		a := netip.AddrFrom16([16]byte{0: 0x20, 1: 0x01, 2: 0x0d, 3: 0xb8, 12: byte(i >> 24), 13: byte(i >> 16), 14: byte(i >> 8), 15: byte(i)})
		cfg.LocalTS = []wire.TrafficSelector{wire.SelectorFromPrefix(netip.PrefixFrom(a, 128))}
	}
	return cfg
}

func startBenchServer(b *testing.B) *server.Server {
	b.Helper()
	if os.Geteuid() != 0 {
		b.Skip("skipped: binding UDP 500/4500 needs root")
	}
	dir := b.TempDir()
	path := dir + "/server.toml"
	text := pskConfig + "\n[limits]\nhalf_open = 10000\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		b.Fatal(err)
	}
	cfg, err := server.Load(path)
	if err != nil {
		b.Fatal(err)
	}
	s, err := server.New(cfg, server.Options{TUN: newDiscardTUN()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkServerHandshakes: full IKE_SA_INIT + IKE_AUTH (PSK, CP
// request, Child SA) and Delete, 32 initiators in flight.
func BenchmarkServerHandshakes(b *testing.B) {
	s := startBenchServer(b)
	cl := newBenchClient(b)
	remote := netip.AddrPortFrom(gwAddr, 500)
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	var failed sync.Map
	b.ResetTimer()
	for i := range b.N {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := handshake(cl.ep, benchPeerConfig(i, true), remote); err != nil {
				failed.Store(i, err)
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "handshakes/s")
	failed.Range(func(k, v any) bool { b.Fatalf("handshake %v: %v", k, v); return false })
	_ = s
}

func handshake(ep *ike.Endpoint, cfg ike.Config, remote netip.AddrPort) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sa, err := ep.Initiate(ctx, cfg, remote)
	if err != nil {
		return err
	}
	if err := sa.WaitUp(ctx); err != nil {
		return err
	}
	return sa.Close(ctx)
}

// BenchmarkServerSessionMemory: memory held per established session (IKE
// SA and its goroutine, Child SA, ESP SAs in the data plane, session
// entry), measured with
// the initiators' own IKE SAs in the same heap, so an upper bound for
// the server's share.
func BenchmarkServerSessionMemory(b *testing.B) {
	s := startBenchServer(b)
	cl := newBenchClient(b)
	remote := netip.AddrPortFrom(gwAddr, 500)
	before := memInUse()
	b.ResetTimer()
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	var failed sync.Map
	for i := range b.N {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			sa, err := cl.ep.Initiate(context.Background(), benchPeerConfig(i, false), remote)
			if err == nil {
				err = sa.WaitUp(ctx)
			}
			if err != nil {
				failed.Store(i, err)
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	failed.Range(func(k, v any) bool { b.Fatalf("session %v: %v", k, v); return false })
	deadline := time.Now().Add(10 * time.Second)
	for s.Registry().Count() < b.N && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := s.Registry().Count(); n != b.N {
		b.Fatalf("%d sessions registered, want %d", n, b.N)
	}
	b.ReportMetric(float64(memInUse()-before)/float64(b.N), "B/session")
}

// memInUse is live heap plus goroutine stacks: every IKE SA runs its
// own goroutine, whose stack is part of what a session costs.
func memInUse() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse + m.StackInuse)
}
