package esp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
)

func TestRoundTripEveryTransform(t *testing.T) {
	for _, s := range suites {
		for _, esn := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/esn=%v", s.name, esn), func(t *testing.T) {
				out, in := s.pair(t, esn)
				for n := range 300 {
					inner := pattern(n, byte(n))
					pkt := sealCopy(t, out, inner)
					if len(pkt) != n+out.Overhead(n) {
						t.Fatalf("len %d: packet %d bytes, Overhead says %d", n, len(pkt), n+out.Overhead(n))
					}
					if ct := len(pkt) - out.Headroom() - out.tr.icvLen(); ct%out.tr.align() != 0 {
						t.Fatalf("len %d: ciphertext %d not aligned to %d", n, ct, out.tr.align())
					}
					if n >= 16 && bytes.Contains(pkt, inner) {
						t.Fatalf("len %d: plaintext visible in packet", n)
					}
					mustOpen(t, in, pkt, inner)
				}
				if st := in.Stats(); st.Packets != 300 || st.Drops.Total() != 0 {
					t.Fatalf("inbound stats %+v", st)
				}
				if st := out.Stats(); st.Packets != 300 || st.Bytes != 299*300/2 {
					t.Fatalf("outbound stats %+v", st)
				}
			})
		}
	}
}

func TestSealWritesHeader(t *testing.T) {
	out, _ := suites[0].pair(t, false)
	for want := uint32(1); want <= 3; want++ {
		pkt := sealCopy(t, out, pattern(40, 0))
		if spi, ok := PeekSPI(pkt); !ok || spi != 0x1000 {
			t.Fatalf("PeekSPI = %#x %v", spi, ok)
		}
		if seq := binary.BigEndian.Uint32(pkt[4:]); seq != want {
			t.Fatalf("seq %d, want %d", seq, want)
		}
	}
}

func TestSealNeedsRoom(t *testing.T) {
	out, _ := suites[3].pair(t, false)
	inner := pattern(100, 0)
	cases := []struct {
		name             string
		head, tail, want int
	}{
		{"exact", out.Headroom(), out.Tailroom(), 0},
		{"short head", out.Headroom() - 1, out.Tailroom(), 1},
		{"short tail", out.Headroom(), 100 + out.Overhead(100) - out.Headroom() - 100 - 1, 1},
	}
	for _, c := range cases {
		buf := make([]byte, c.head+len(inner), c.head+len(inner)+c.tail)
		_, _, err := out.Seal(buf, c.head, len(buf), NextHeaderIPv4)
		if (c.want == 0) != (err == nil) || (err != nil && !errors.Is(err, ErrNoRoom)) {
			t.Errorf("%s: err %v", c.name, err)
		}
	}
	if got := out.Stats().Drops.NoRoom; got != 2 {
		t.Errorf("NoRoom drops %d, want 2", got)
	}
}
