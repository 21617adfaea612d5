package esp

import (
	"fmt"
	"testing"
)

var benchSizes = []int{64, 1420}

// BenchmarkSeal measures sealing one inner packet per iteration, reusing
// the buffer as the datapath does.
func BenchmarkSeal(b *testing.B) {
	for _, s := range suites {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("%s/%d", s.name, n), func(b *testing.B) {
				out, _ := s.pair(b, false)
				buf := make([]byte, MaxHeadroom+n, MaxHeadroom+n+MaxTailroom)
				b.SetBytes(int64(n))
				b.ReportAllocs()
				for b.Loop() {
					if _, _, err := out.Seal(buf, MaxHeadroom, MaxHeadroom+n, NextHeaderIPv4); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkOpen opens pre-sealed packets; each iteration restores one
// ciphertext from a pool because Open decrypts in place and rejects
// replays, so a stream of distinct packets is needed.
func BenchmarkOpen(b *testing.B) {
	const ring = 4096
	for _, s := range suites {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("%s/%d", s.name, n), func(b *testing.B) {
				cfg := s.config(0x1000, true)
				out, _ := s.pairWith(b, cfg)
				pkts := make([][]byte, ring)
				for i := range pkts {
					pkts[i] = sealCopy(b, out, pattern(n, byte(i)))
				}
				work := make([]byte, len(pkts[0]))
				var in *Inbound
				b.SetBytes(int64(n))
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if i%ring == 0 {
						b.StopTimer()
						in = reopen(b, s, cfg, out)
						pkts = resealed(b, out, pkts, n)
						b.StartTimer()
					}
					copy(work, pkts[i%ring])
					if _, _, err := in.Open(work); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		}
	}
}

// reopen makes a fresh inbound SA so a new ring of packets is accepted.
func reopen(b *testing.B, s suite, cfg Config, out *Outbound) *Inbound {
	in, err := NewInbound(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return in
}

// resealed seals a new ring starting at sequence number 1 again.
func resealed(b *testing.B, out *Outbound, pkts [][]byte, n int) [][]byte {
	out.seq.Store(0)
	for i := range pkts {
		pkts[i] = sealCopy(b, out, pattern(n, byte(i)))
	}
	return pkts
}
