package esp

import (
	"bytes"
	"crypto/aes"
	"encoding/binary"
	"errors"
	"testing"
)

// FuzzOpen feeds arbitrary bytes to Open for every transform. Open must
// not panic, and must authenticate only packets our own Seal produced
// (they are in the seed corpus); anything else is dropped and counted.
func FuzzOpen(f *testing.F) {
	type fixture struct {
		cfg     Config
		genuine map[string]bool
	}
	var fx []fixture
	for i, s := range suites {
		cfg := s.config(0x1000, i%2 == 0)
		out, err := NewOutbound(cfg)
		if err != nil {
			f.Fatal(err)
		}
		if cbc, ok := out.tr.(*cbcTransform); ok {
			// Fuzz workers are separate processes that rebuild this
			// fixture; a fixed IV key makes their genuine sets agree.
			cbc.ivGen, _ = aes.NewCipher(make([]byte, 16))
		}
		g := map[string]bool{}
		for _, n := range []int{0, 1, 40, 100} {
			pkt := sealCopy(f, out, pattern(n, byte(n)))
			g[string(pkt)] = true
			f.Add(byte(i), pkt)
			f.Add(byte(i), pkt[:len(pkt)-1])
		}
		fx = append(fx, fixture{cfg, g})
	}
	f.Add(byte(0), []byte{})
	f.Add(byte(1), []byte{0, 0, 0x10, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, which byte, data []byte) {
		if spi, ok := PeekSPI(data); ok != (len(data) >= 8 && spi != 0) {
			t.Fatalf("PeekSPI(%x) = %#x, %v", data, spi, ok)
		}
		x := fx[int(which)%len(fx)]
		in, err := NewInbound(x.cfg)
		if err != nil {
			t.Fatal(err)
		}
		pkt := bytes.Clone(data)
		payload, _, err := in.Open(pkt)
		st := in.Stats()
		if err == nil {
			if !x.genuine[string(data)] {
				t.Fatalf("forged packet authenticated: %x", data)
			}
			if st.Packets != 1 || st.Bytes != uint64(len(payload)) {
				t.Fatalf("stats %+v after success", st)
			}
			return
		}
		if st.Drops.Total() != 1 || st.Packets != 0 {
			t.Fatalf("err %v but stats %+v", err, st)
		}
	})
}

// FuzzOpenAuthenticated seals arbitrary decrypted contents, bad trailers
// included, as a hostile but keyed peer could: Open must either return a
// payload consistent with the trailer or ErrPadding, never panic.
func FuzzOpenAuthenticated(f *testing.F) {
	f.Add(byte(0), []byte{1, 2, 3, 0x01, 0x02, 0x02, 0x04})
	f.Add(byte(3), []byte{0xff, 0x04})
	f.Add(byte(1), []byte{0x00})
	f.Add(byte(2), bytes.Repeat([]byte{9}, 300))
	f.Fuzz(func(t *testing.T, which byte, plain []byte) {
		s := suites[int(which)%len(suites)]
		out, in := s.pair(t, false)
		a := out.tr.align()
		if len(plain) == 0 || len(plain)%a != 0 {
			return // Seal itself never produces these lengths
		}
		buf := make([]byte, out.hdr+len(plain)+out.tr.icvLen())
		copy(buf[out.hdr:], plain)
		copy(buf, []byte{0, 0, 0x10, 0, 0, 0, 0, 1})
		out.tr.seal(buf, out.hdr+len(plain), 1)
		payload, nh, err := in.Open(buf)
		if err != nil {
			if !errors.Is(err, ErrPadding) && !errors.Is(err, ErrMalformed) {
				t.Fatalf("err %v", err)
			}
			return
		}
		pad := int(plain[len(plain)-2])
		if nh != plain[len(plain)-1] || len(payload) != len(plain)-2-pad || !bytes.Equal(payload, plain[:len(payload)]) {
			t.Fatalf("payload %x nh %d from %x", payload, nh, plain)
		}
	})
}

// FuzzReplayWindow drives the window with attacker-chosen sequence numbers
// (8 bytes each, read as an offset from the current top) and compares it
// with a map-based model; it also checks ESN inference places every low
// half inside the 2^32-wide span that starts at the window's bottom.
func FuzzReplayWindow(f *testing.F) {
	f.Add(uint64(0), []byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Add(uint64(1<<32-5), []byte{0, 0, 0, 0, 0, 0, 0x10, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf0})
	f.Fuzz(func(t *testing.T, start uint64, ops []byte) {
		const size = 1024
		start = min(start, 1<<63)
		ops = ops[:min(len(ops), 8*512)] // enough steps to wrap the ring many times
		r := newReplayWindow(size)
		r.top = start
		seen := map[uint64]bool{}
		top := start // the model: nothing seen yet, window ending at start
		for len(ops) >= 8 {
			delta := binary.BigEndian.Uint64(ops)
			ops = ops[8:]
			checkInference(t, r, uint32(delta))
			seq := top + delta%(3*size) - size // mostly near the top, some behind
			want := seq != 0 && !seen[seq] && (seq > top || top-seq < size)
			if got := r.accept(seq); got != want {
				t.Fatalf("accept(%d) = %v with top %d, want %v", seq, got, top, want)
			}
			if want {
				seen[seq] = true
				top = max(top, seq)
			}
		}
	})
}

func checkInference(t *testing.T, r *replayWindow, lo uint32) {
	seq := r.inferLocked(lo)
	if uint32(seq) != lo {
		t.Fatalf("inferred %#x for low half %#x", seq, lo)
	}
	bottom := r.top - (r.size - 1)
	if r.top < r.size-1 {
		if seq != uint64(lo) {
			t.Fatalf("at SA start inferred %#x for %#x", seq, lo)
		}
		return
	}
	if r.top > 1<<64-1<<33 {
		return // the next subspace does not exist
	}
	if d := seq - bottom; d >= 1<<32 {
		t.Fatalf("top %#x: inferred %#x outside [%#x, +2^32)", r.top, seq, bottom)
	}
}
