package datapath

import (
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"flexvpn/platform/tunif/tunfake"
	"flexvpn/tunnel/esp"
)

// peerSocket is a plain UDP socket standing in for a remote peer.
func peerSocket(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// sealed returns an ESP datagram carrying inner, sealed by out.
func sealed(t *testing.T, out *esp.Outbound, inner []byte, nextHeader byte) []byte {
	t.Helper()
	buf := make([]byte, bufSize)
	copy(buf[headroom:], inner)
	s, e, err := out.Seal(buf, headroom, headroom+len(inner), nextHeader)
	if err != nil {
		t.Fatal(err)
	}
	return buf[s:e]
}

// TestDropReasons sends one datagram per drop reason from a raw socket and
// checks that exactly the matching counter moved.
func TestDropReasons(t *testing.T) {
	d, _ := newTestDevice(t, tunfake.Config{}, Config{})
	out, in := saPair(t, gcmConfig(0x3001, 9))
	must(t, d.AddInbound(0x3001, in, []netip.Prefix{netip.PrefixFrom(clientInner, 32)}))
	sock := peerSocket(t)
	good := func() []byte { return ipv4Packet(clientInner, serverLAN, 17, udpPayload(1, 40)) }

	replayed := sealed(t, out, good(), nextHeaderIPv4)
	tampered := sealed(t, out, good(), nextHeaderIPv4)
	tampered[len(tampered)-20] ^= 0x40
	steps := []struct {
		name  string
		dg    []byte
		field func(Stats) uint64
	}{
		{"short", []byte{1, 2, 3}, func(s Stats) uint64 { return s.Drops.Malformed }},
		{"bare marker", []byte{0, 0, 0, 0}, func(s Stats) uint64 { return s.Drops.Malformed }},
		{"keepalive", []byte{0xff}, func(s Stats) uint64 { return s.KeepalivesIn }},
		{"ike without handler", append([]byte{0, 0, 0, 0}, make([]byte, 28)...), func(s Stats) uint64 { return s.Drops.NoIKEHandler }},
		{"unknown spi", append([]byte{0xde, 0xad, 0xbe, 0xef}, make([]byte, 60)...), func(s Stats) uint64 { return s.Drops.UnknownSPI }},
		{"too short for the SA", []byte{0, 0, 0x30, 0x01, 0, 0, 0, 9, 1, 2}, func(s Stats) uint64 { return s.Drops.Malformed }},
		{"valid", replayed, func(s Stats) uint64 { return s.PacketsIn }},
		{"replay", replayed, func(s Stats) uint64 { return s.Drops.Replay }},
		{"auth", tampered, func(s Stats) uint64 { return s.Drops.Auth }},
		{"dummy", sealed(t, out, []byte{1, 2, 3}, nextHeaderNoNext), func(s Stats) uint64 { return s.Drops.Dummy }},
		{"not ip inside", sealed(t, out, make([]byte, 30), nextHeaderIPv4), func(s Stats) uint64 { return s.Drops.Malformed }},
		{"version mismatch", sealed(t, out, good(), nextHeaderIPv6), func(s Stats) uint64 { return s.Drops.Malformed }},
		{"spoofed source", sealed(t, out, ipv4Packet(netip.MustParseAddr("192.0.2.66"), serverLAN, 17, nil), nextHeaderIPv4),
			func(s Stats) uint64 { return s.Drops.Policy }},
	}
	for _, st := range steps {
		before := d.Stats()
		if _, err := sock.WriteToUDPAddrPort(st.dg, d.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, func() bool { return st.field(d.Stats()) == st.field(before)+1 })
		if got, want := total(d.Stats()), total(before)+1; got != want {
			t.Errorf("%s: %d counters moved, want exactly one", st.name, got-total(before))
		}
	}
}

// total sums every counter a received datagram can land in.
func total(s Stats) uint64 {
	return s.PacketsIn + s.IKEIn + s.KeepalivesIn + s.Drops.Total()
}

// failingTUN is a fake whose writes fail, as a TUN that went down does.
type failingTUN struct{ *tunfake.TUN }

func (failingTUN) Write([][]byte, int) (int, error) { return 0, errors.New("tun: device down") }

func TestDropTUNWrite(t *testing.T) {
	fake := tunfake.New(tunfake.Config{})
	d, err := New(Config{TUN: failingTUN{fake}, ListenNATT: netip.MustParseAddrPort("127.0.0.1:0"), Keepalive: -1})
	must(t, err)
	t.Cleanup(func() { _ = d.Close() })
	out, in := saPair(t, gcmConfig(0x3002, 5))
	must(t, d.AddInbound(0x3002, in, nil))
	dg := sealed(t, out, ipv4Packet(clientInner, serverLAN, 17, udpPayload(2, 10)), nextHeaderIPv4)
	if _, err := peerSocket(t).WriteToUDPAddrPort(dg, d.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, func() bool { return d.Stats().Drops.TUNWrite == 1 })
	if s := d.Stats(); s.PacketsIn != 0 {
		t.Errorf("PacketsIn = %d after a failed write", s.PacketsIn)
	}
}

// TestDropOutbound covers the send side: no route, and an SA that refuses
// to seal (closed after a delete).
func TestDropOutbound(t *testing.T) {
	d, fake := newTestDevice(t, tunfake.Config{}, Config{})
	sock := peerSocket(t)
	remote := sock.LocalAddr().(*net.UDPAddr).AddrPort()
	out, _ := saPair(t, gcmConfig(0x3003, 6))
	must(t, d.SetOutbound([]netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}, out, remote))

	must(t, fake.Inject(ipv4Packet(clientInner, netip.MustParseAddr("192.0.2.8"), 17, nil)))
	waitUntil(t, func() bool { return d.Stats().Drops.NoOutboundSA == 1 })
	must(t, fake.Inject([]byte{0x45, 0, 0}))
	waitUntil(t, func() bool { return d.Stats().Drops.Malformed == 1 })

	must(t, fake.Inject(ipv4Packet(clientInner, serverLAN, 17, udpPayload(3, 10))))
	waitUntil(t, func() bool { return d.Stats().PacketsOut == 1 })
	buf := make([]byte, 2048)
	n, _, err := sock.ReadFromUDPAddrPort(buf)
	if err != nil || n < 8 || espSPI(buf) != 0x3003 {
		t.Fatalf("peer got %d bytes %x, err %v; want ESP with SPI 0x3003", n, buf[:min(n, 8)], err)
	}
	out.Close()
	must(t, fake.Inject(ipv4Packet(clientInner, serverLAN, 17, udpPayload(4, 10))))
	waitUntil(t, func() bool { return d.Stats().Drops.Seal == 1 })
}

// brokenTUN fails reads the way a TUN device that vanished does.
type brokenTUN struct{ *tunfake.TUN }

func (brokenTUN) Read([][]byte, []int, int) (int, error) {
	return 0, errors.New("tun: read: input/output error")
}

// TestTUNFailureClosesDevice: a TUN that fails for good takes the Device
// down visibly instead of leaving a tunnel that drops everything.
func TestTUNFailureClosesDevice(t *testing.T) {
	d, err := New(Config{TUN: brokenTUN{tunfake.New(tunfake.Config{})}, ListenNATT: netip.MustParseAddrPort("127.0.0.1:0"), Keepalive: -1})
	must(t, err)
	t.Cleanup(func() { _ = d.Close() })
	select {
	case <-d.Done():
	case <-time.After(waitFor):
		t.Fatal("Device still up after its TUN failed")
	}
	if err := d.SendIKE([]byte{1}, d.LocalAddr(), d.LocalAddr()); !errors.Is(err, ErrClosed) {
		t.Fatalf("SendIKE on a failed Device = %v, want ErrClosed", err)
	}
}
