package esp

import (
	"testing"
)

// TestNoAllocationPerPacket keeps the zero-allocation promise in the test
// suite, not only in benchmark output, for every transform with and
// without ESN.
func TestNoAllocationPerPacket(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector drops sync.Pool items, so allocations are expected")
	}
	const runs = 500
	for _, s := range suites {
		for _, esn := range []bool{false, true} {
			out, in := s.pair(t, esn)
			pkts := make([][]byte, runs+1) // AllocsPerRun adds a warm-up call
			for i := range pkts {
				pkts[i] = sealCopy(t, out, pattern(200, byte(i)))
			}
			buf := make([]byte, MaxHeadroom+200, MaxHeadroom+200+MaxTailroom)
			seal := testing.AllocsPerRun(runs, func() {
				if _, _, err := out.Seal(buf, MaxHeadroom, MaxHeadroom+200, NextHeaderIPv4); err != nil {
					t.Fatal(err)
				}
			})
			i := 0
			open := testing.AllocsPerRun(runs, func() {
				if _, _, err := in.Open(pkts[i]); err != nil {
					t.Fatal(err)
				}
				i++
			})
			if seal != 0 || open != 0 {
				t.Errorf("%s esn=%v: %v allocs per Seal, %v per Open", s.name, esn, seal, open)
			}
		}
	}
}
