package track

import (
	"bytes"
	"testing"
)

func TestEchoRoundTrip(t *testing.T) {
	m := echo{Type: icmpv4EchoRequest, ID: 0x1234, Seq: 7, Data: []byte("flexvpn!")}
	b := appendEcho(nil, m, false)
	if checksum(b) != 0 {
		t.Fatalf("checksum of %x does not verify", b)
	}
	got, err := parseEcho(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Type != m.Type || got.ID != m.ID || got.Seq != m.Seq || !bytes.Equal(got.Data, m.Data) {
		t.Fatalf("round trip: %+v, want %+v", got, m)
	}
	v6 := appendEcho(nil, echo{Type: icmpv6EchoRequest, ID: 1, Seq: 2}, true)
	if v6[2] != 0 || v6[3] != 0 {
		t.Fatalf("ICMPv6 checksum %x set; the kernel owns it", v6[2:4])
	}
}

// TestChecksumKnownVector uses the worked example of RFC 1071 section 3:
// the one's complement sum of 00 01 f2 03 f4 f5 f6 f7 is 0xddf2, so the
// checksum is its complement.
func TestChecksumKnownVector(t *testing.T) {
	b := []byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}
	if got := checksum(b); got != ^uint16(0xddf2) {
		t.Fatalf("checksum %#04x, want %#04x", got, ^uint16(0xddf2))
	}
	if got := checksum([]byte{0xff}); got != 0x00ff {
		t.Fatalf("odd length: %#04x, want 0x00ff", got)
	}
}

func TestParseEchoSkipsIPv4Header(t *testing.T) {
	reply := appendEcho(nil, echo{Type: icmpv4EchoReply, ID: 9, Seq: 3, Data: []byte{1, 2}}, false)
	ip := append([]byte{0x45, 0, 0, byte(20 + len(reply)), 0, 0, 0, 0, 64, 1, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1}, reply...)
	got, err := parseEcho(ip)
	if err != nil || got.Type != icmpv4EchoReply || got.Seq != 3 || !bytes.Equal(got.Data, []byte{1, 2}) {
		t.Fatalf("with IPv4 header: %+v, %v", got, err)
	}
}

func TestParseEchoRejects(t *testing.T) {
	for name, b := range map[string][]byte{
		"empty":              nil,
		"short":              {0, 0, 0, 0, 0, 0, 0},
		"dest unreachable":   {3, 1, 0, 0, 0, 0, 0, 0},
		"router advert":      {134, 0, 0, 0, 0, 0, 0, 0},
		"ipv4 ihl too big":   append([]byte{0x4f}, make([]byte, 30)...),
		"ipv4 ihl too small": append([]byte{0x41}, make([]byte, 30)...),
	} {
		if _, err := parseEcho(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzParseEcho(f *testing.F) {
	f.Add(appendEcho(nil, echo{Type: icmpv4EchoReply, ID: 1, Seq: 2, Data: []byte("x")}, false))
	f.Add(appendEcho(nil, echo{Type: icmpv6EchoReply, ID: 1, Seq: 2}, true))
	f.Add([]byte{0x45, 0, 0, 28, 0, 0, 0, 0, 64, 1, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1, 0, 0, 0xff, 0xff, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseEcho(b)
		if err != nil {
			return
		}
		// What parses re-encodes to the same message.
		again, err := parseEcho(appendEcho(nil, m, true))
		if err != nil || again.Type != m.Type || again.ID != m.ID || again.Seq != m.Seq || !bytes.Equal(again.Data, m.Data) {
			t.Fatalf("re-encode of %+v gave %+v, %v", m, again, err)
		}
	})
}
