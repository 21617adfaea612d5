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

// TestTamperEveryTransform flips each bit of a sealed packet in turn for
// every transform, with and without ESN. Each copy must be refused and
// counted; only flips in the SPI or sequence number may be refused for a
// reason other than authentication. The original still opens afterwards.
func TestTamperEveryTransform(t *testing.T) {
	for _, s := range suites {
		for _, esn := range []bool{false, true} {
			out, in := s.pair(t, esn)
			orig := sealCopy(t, out, pattern(45, 3))
			for bit := range len(orig) * 8 {
				pkt := clone(orig)
				pkt[bit/8] ^= 1 << (bit % 8)
				_, _, err := in.Open(pkt)
				ok := errors.Is(err, ErrAuth) ||
					(bit < 32 && errors.Is(err, ErrMalformed)) ||
					(bit >= 32 && bit < 64 && errors.Is(err, ErrReplay))
				if !ok {
					t.Fatalf("%s esn=%v bit %d: err %v", s.name, esn, bit, err)
				}
			}
			st := in.Stats()
			if st.Packets != 0 || st.Drops.Total() != uint64(len(orig)*8) || st.Drops.Auth < uint64(len(orig)*8-64) {
				t.Fatalf("%s esn=%v: stats %+v", s.name, esn, st)
			}
			mustOpen(t, in, orig, pattern(45, 3))
		}
	}
}

// TestPaddingChecked seals trailers our Seal would never write, as a
// keyed but broken peer might, and expects Open to refuse them.
func TestPaddingChecked(t *testing.T) {
	cases := []struct {
		name  string
		plain []byte // decrypted ESP payload: data, padding, pad length, next header
		want  error
	}{
		{"monotonic", []byte{9, 9, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 12, 4}, nil},
		{"wrong pad byte", []byte{9, 9, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 12, 4}, ErrPadding},
		{"padding from 0", []byte{9, 9, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 4}, ErrPadding},
		{"pad length beyond data", []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 200, 4}, ErrPadding},
		{"all padding, dummy packet", []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 14, 59}, nil},
	}
	for _, s := range []suite{suites[0], suites[3]} {
		for _, c := range cases {
			out, in := s.pair(t, false)
			plain := c.plain
			if len(plain)%out.tr.align() != 0 { // CBC needs whole blocks: more data in front
				plain = append(bytes.Repeat([]byte{7}, 32-len(plain)), plain...)
			}
			pkt := make([]byte, out.hdr+len(plain)+out.tr.icvLen())
			binary.BigEndian.PutUint32(pkt, 0x1000)
			binary.BigEndian.PutUint32(pkt[4:], 1)
			copy(pkt[out.hdr:], plain)
			out.tr.seal(pkt, out.hdr+len(plain), 1)
			payload, nh, err := in.Open(pkt)
			if err != c.want {
				t.Fatalf("%s %s: err %v, want %v", s.name, c.name, err, c.want)
			}
			if err == nil && (nh != plain[len(plain)-1] || len(payload) != len(plain)-2-int(plain[len(plain)-2])) {
				t.Fatalf("%s %s: payload %x nh %d", s.name, c.name, payload, nh)
			}
			if err != nil && in.Stats().Drops.Padding != 1 {
				t.Fatalf("%s %s: stats %+v", s.name, c.name, in.Stats())
			}
		}
	}
}
