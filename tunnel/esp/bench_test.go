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
				cpu := startCPU(b)
				for b.Loop() {
					if _, _, err := out.Seal(buf, MaxHeadroom, MaxHeadroom+n, NextHeaderIPv4); err != nil {
						b.Fatal(err)
					}
				}
				cpu.report(n)
			})
		}
	}
}

// BenchmarkOpen opens pre-sealed packets from a ring. Open decrypts in
// place and rejects replays, so each time the ring is used up the timer
// stops while the ciphertexts are restored and the window is reset.
func BenchmarkOpen(b *testing.B) {
	const ring = 4096
	for _, s := range suites {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("%s/%d", s.name, n), func(b *testing.B) {
				out, in := s.pair(b, false)
				pristine := make([][]byte, ring)
				work := make([][]byte, ring)
				for i := range pristine {
					pristine[i] = sealCopy(b, out, pattern(n, byte(i)))
					work[i] = make([]byte, len(pristine[i]))
				}
				b.SetBytes(int64(n))
				b.ReportAllocs()
				i := 0
				cpu := startCPU(b)
				for b.Loop() {
					if i%ring == 0 {
						b.StopTimer()
						cpu.pause()
						for j := range work {
							copy(work[j], pristine[j])
						}
						in.window.reset()
						cpu.resume()
						b.StartTimer()
					}
					if _, _, err := in.Open(work[i%ring]); err != nil {
						b.Fatal(err)
					}
					i++
				}
				cpu.report(n)
			})
		}
	}
}

// reset empties the window so a benchmark can replay its ring.
func (r *replayWindow) reset() {
	r.mu.Lock()
	clear(r.blocks)
	r.top = 0
	r.mu.Unlock()
}

// BenchmarkSealParallel seals from every core at once into per-goroutine
// buffers: the shared state is the atomic sequence number and counters.
func BenchmarkSealParallel(b *testing.B) {
	for _, s := range []suite{suites[0], suites[2], suites[3]} {
		b.Run(s.name+"/1420", func(b *testing.B) {
			out, _ := s.pair(b, true)
			b.SetBytes(1420)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				buf := make([]byte, MaxHeadroom+1420, MaxHeadroom+1420+MaxTailroom)
				for pb.Next() {
					if _, _, err := out.Seal(buf, MaxHeadroom, len(buf), NextHeaderIPv4); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
