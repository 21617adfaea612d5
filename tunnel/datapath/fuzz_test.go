package datapath

import (
	"net/netip"
	"sync/atomic"
	"testing"

	"flexvpn/platform/tunif/tunfake"
)

// FuzzReceiveDatagram feeds arbitrary datagrams to the NAT-T receive path
// (demux, SPI lookup, Open, inner checks, TUN write). Whatever the bytes,
// nothing may panic and every datagram must land in exactly one counter.
func FuzzReceiveDatagram(f *testing.F) {
	var written atomic.Uint64
	d, _ := newTestDevice(f, tunfake.Config{OnWrite: func([]byte) { written.Add(1) }},
		Config{OnIKE: func([]byte, netip.AddrPort, netip.AddrPort) {}})
	out, in := saPair(f, gcmConfig(0x5001, 1))
	cbcOut, cbcIn := saPair(f, cbcConfig(0x5002, 2))
	if err := d.AddInbound(0x5001, in, nil); err != nil {
		f.Fatal(err)
	}
	if err := d.AddInbound(0x5002, cbcIn, []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}); err != nil {
		f.Fatal(err)
	}
	seal := func(o interface {
		Seal([]byte, int, int, byte) (int, int, error)
	}, inner []byte, nh byte) []byte {
		buf := make([]byte, bufSize)
		copy(buf[headroom:], inner)
		s, e, _ := o.Seal(buf, headroom, headroom+len(inner), nh)
		return buf[s:e]
	}
	f.Add([]byte{0xff})
	f.Add([]byte{0, 0, 0, 0, 1, 2, 3})
	f.Add([]byte{0, 0, 0x50, 0x01, 0, 0, 0, 1})
	f.Add(seal(out, ipv4Packet(clientInner, serverLAN, 17, udpPayload(1, 30)), nextHeaderIPv4))
	f.Add(seal(out, ipv6Packet(clientInner6, serverLAN6, 6, make([]byte, 20)), nextHeaderIPv6))
	f.Add(seal(cbcOut, tcpSYN(clientInner, serverLAN, tcpFlagSYN, mssOpt(1460)), nextHeaderIPv4))
	f.Add(seal(cbcOut, []byte{0x45}, nextHeaderIPv4))

	b, err := d.newRxBatch(d.natt[0], rxBatchSize)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, dg []byte) {
		before := total(d.Stats())
		n := copy(b.views[0], dg)
		b.sizes[0] = n
		b.srcs[0] = netip.MustParseAddrPort("192.0.2.1:4500")
		b.writes = b.writes[:0]
		d.receiveOne(d.natt[0], true, &d.tables, b, 0)
		d.writeTUN(b.writes)
		if after := total(d.Stats()); after != before+1 {
			t.Fatalf("datagram %x moved the counters by %d, want 1", head(dg), after-before)
		}
	})
}
