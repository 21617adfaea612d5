package tunfake

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"
	"time"
)

// UDP4 builds a minimal IPv4/UDP packet from src to dst (port 40000 → 53)
// carrying payload, with a valid header checksum: enough for a data plane
// to route and for a test to recognise on the other side.
func UDP4(src, dst netip.Addr, payload []byte) []byte {
	p := make([]byte, 28+len(payload))
	p[0], p[8], p[9] = 0x45, 64, 17
	binary.BigEndian.PutUint16(p[2:], uint16(len(p)))
	s, d := src.As4(), dst.As4()
	copy(p[12:], s[:])
	copy(p[16:], d[:])
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(p[i:]))
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	binary.BigEndian.PutUint16(p[10:], ^uint16(sum))
	binary.BigEndian.PutUint16(p[20:], 40000)
	binary.BigEndian.PutUint16(p[22:], 53)
	binary.BigEndian.PutUint16(p[24:], uint16(8+len(payload)))
	copy(p[28:], payload)
	return p
}

// InjectUntilReceived injects pkt into from every 100 ms until it comes out
// of to (another fake's Written), failing t after 5 s or when a different
// packet comes out. Retrying covers a tunnel whose far end installs its SA
// a moment after the near end.
func InjectUntilReceived(t testing.TB, from *TUN, to <-chan []byte, pkt []byte, where string) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := from.Inject(pkt); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-to:
			if !bytes.Equal(got, pkt) {
				t.Fatalf("%s: got %x\nwant %x", where, got, pkt)
			}
			return
		case <-tick.C:
		case <-deadline:
			t.Fatalf("%s: no packet", where)
		}
	}
}
