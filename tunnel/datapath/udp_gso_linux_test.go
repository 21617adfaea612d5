package datapath

import (
	"bytes"
	"net/netip"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// datagram returns an n-byte datagram filled with tag, as a slice of its
// own buffer with spare capacity after it, like sealed packets are.
func datagram(n int, tag byte) []byte {
	buf := make([]byte, bufSize)
	d := buf[headroom : headroom+n]
	for i := range d {
		d[i] = tag
	}
	return d
}

func TestGSOPlanAndSend(t *testing.T) {
	sender, err := listenUDP(netip.MustParseAddrPort("127.0.0.1:0"))
	must(t, err)
	t.Cleanup(func() { _ = sender.conn.Close() })
	rx, err := listenUDP(netip.MustParseAddrPort("127.0.0.1:0"))
	must(t, err)
	t.Cleanup(func() { _ = rx.conn.Close() })
	other := netip.MustParseAddrPort("127.0.0.1:9") // discard: never read
	a, b := rx.local, other

	bufs := [][]byte{
		datagram(100, 1), datagram(100, 2), datagram(100, 3), datagram(60, 4), // one train, short last
		datagram(100, 5), // after a short one: new train
		datagram(120, 6), // longer than the train's size: new train
		datagram(120, 7), // another destination: new train
		datagram(120, 8), datagram(120, 9),
	}
	var dsts []flow
	for _, d := range []netip.AddrPort{a, a, a, a, a, a, b, a, a} {
		dsts = append(dsts, flow{dst: d})
	}
	want := bytes.Join([][]byte{bufs[0], bufs[1], bufs[2], bufs[3]}, nil)
	sent := make([][]byte, len(bufs))
	for i, d := range bufs {
		sent[i] = append([]byte(nil), d...)
	}

	m, err := sender.newMmsgIO(len(bufs))
	must(t, err)
	n := m.plan(bufs, dsts)
	if wantSegs := []int{4, 1, 1, 1, 2}; n != len(wantSegs) || !slices.Equal(m.segs[:n], wantSegs) {
		t.Fatalf("plan: %d messages with %v datagrams, want %v", n, m.segs[:n], wantSegs)
	}
	if first := bufs[0][:len(want)]; !bytes.Equal(first, want) {
		t.Fatal("first train is not the four datagrams back to back")
	}

	// Send for real: the receiver must see ordinary datagrams, in order.
	for i, d := range bufs {
		bufs[i] = d[:len(sent[i])] // plan appended into the buffers; start over
		copy(bufs[i], sent[i])
	}
	failed, err := m.writeBatch(bufs, dsts)
	if err != nil || failed != 0 {
		t.Fatalf("writeBatch: %d failed, %v", failed, err)
	}
	must(t, rx.conn.SetReadDeadline(time.Now().Add(waitFor)))
	buf := make([]byte, 2048)
	for i, d := range sent {
		if dsts[i].dst != a {
			continue
		}
		k, _, err := rx.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf[:k], d) {
			t.Fatalf("datagram %d: got %d bytes of %d, want %d bytes of %d", i, k, buf[0], len(d), d[0])
		}
	}
}

// TestGSORecover: a train the kernel refuses is resent datagram by
// datagram; only EIO-like refusals switch GSO off.
func TestGSORecover(t *testing.T) {
	for _, tc := range []struct {
		errno   unix.Errno
		gsoKept bool
	}{{unix.EINVAL, true}, {unix.EIO, false}} {
		sender, err := listenUDP(netip.MustParseAddrPort("127.0.0.1:0"))
		must(t, err)
		rx, err := listenUDP(netip.MustParseAddrPort("127.0.0.1:0"))
		must(t, err)
		m, err := sender.newMmsgIO(4)
		must(t, err)
		bufs := [][]byte{datagram(50, 1), datagram(50, 2), datagram(20, 3)}
		sent := [][]byte{append([]byte(nil), bufs[0]...), append([]byte(nil), bufs[1]...), append([]byte(nil), bufs[2]...)}
		f := flow{dst: rx.local}
		if n := m.plan(bufs, []flow{f, f, f}); n != 1 || m.segs[0] != 3 {
			t.Fatalf("plan: %d messages, first with %d datagrams; want one train of 3", n, m.segs[0])
		}
		m.errno = tc.errno
		if lost := m.recover(0); lost != 0 {
			t.Errorf("%v: recover lost %d datagrams", tc.errno, lost)
		}
		if m.gso.enabled != tc.gsoKept {
			t.Errorf("%v: GSO enabled = %v, want %v", tc.errno, m.gso.enabled, tc.gsoKept)
		}
		must(t, rx.conn.SetReadDeadline(time.Now().Add(waitFor)))
		buf := make([]byte, 2048)
		for i, want := range sent {
			n, _, err := rx.conn.ReadFromUDPAddrPort(buf)
			if err != nil || !bytes.Equal(buf[:n], want) {
				t.Fatalf("%v: datagram %d = %x, %v; want %x", tc.errno, i, buf[:n], err, want)
			}
		}
		_ = sender.conn.Close()
		_ = rx.conn.Close()
	}
}
