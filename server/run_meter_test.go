package server

import (
	"net/netip"
	"testing"
	"time"

	"flexvpn/tunnel/datapath"
	"flexvpn/tunnel/esp"
)

// fakeDevice accepts everything; fakeSA reports settable byte counts.
type fakeDevice struct{}

func (fakeDevice) AddInbound(uint32, datapath.Opener, []netip.Prefix) error { return nil }
func (fakeDevice) RetireInbound(uint32, time.Duration)                      {}
func (fakeDevice) RemoveInbound(uint32)                                     {}
func (fakeDevice) SetOutboundFrom([]netip.Prefix, datapath.Sealer, netip.Addr, netip.AddrPort) error {
	return nil
}
func (fakeDevice) RemoveOutbound([]netip.Prefix) {}

type fakeSA struct{ bytes uint64 }

func (f *fakeSA) Stats() esp.Stats { return esp.Stats{Bytes: f.bytes} }
func (f *fakeSA) Open([]byte) ([]byte, byte, error) {
	return nil, 0, nil
}
func (f *fakeSA) Seal([]byte, int, int, byte) (int, int, error) { return 0, 0, nil }

// TestMeterAcrossRekeys: a session's bytes are the sum over its current
// and replaced SAs, per inner address, until the session is forgotten.
func TestMeterAcrossRekeys(t *testing.T) {
	m := newMeter(fakeDevice{})
	a := netip.MustParseAddr("203.0.113.2")
	other := netip.MustParseAddr("203.0.113.3")
	host := []netip.Prefix{netip.PrefixFrom(a, 32)}
	remote := netip.MustParseAddrPort("192.0.2.2:4500")

	in1, out1 := &fakeSA{bytes: 100}, &fakeSA{bytes: 10}
	m.AddInbound(1, in1, host)
	m.SetOutboundFrom(host, out1, netip.Addr{}, remote)
	m.AddInbound(9, &fakeSA{bytes: 5000}, []netip.Prefix{netip.PrefixFrom(other, 32)})
	if in, out := m.bytes(a); in != 100 || out != 10 {
		t.Fatalf("bytes = %d/%d, want 100/10", in, out)
	}

	// Rekey: new SAs, the old inbound removed; its bytes stay counted.
	in2, out2 := &fakeSA{bytes: 7}, &fakeSA{bytes: 3}
	m.AddInbound(2, in2, host)
	m.SetOutboundFrom(host, out2, netip.Addr{}, remote)
	m.RemoveInbound(1)
	if in, out := m.bytes(a); in != 107 || out != 13 {
		t.Fatalf("after rekey bytes = %d/%d, want 107/13", in, out)
	}
	in2.bytes, out2.bytes = 8, 4
	if in, out := m.bytes(a, netip.Addr{}); in != 108 || out != 14 {
		t.Fatalf("live counters not read: %d/%d", in, out)
	}

	// Session end: SAs removed, totals forgotten.
	m.RemoveInbound(2)
	m.RemoveOutbound(host)
	m.forget(Lease{IP4: a})
	if in, out := m.bytes(a); in != 0 || out != 0 {
		t.Fatalf("after forget bytes = %d/%d", in, out)
	}
	if in, _ := m.bytes(other); in != 5000 {
		t.Fatalf("another session's bytes = %d", in)
	}
}
