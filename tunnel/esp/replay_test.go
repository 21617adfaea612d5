package esp

import (
	"errors"
	"math/rand/v2"
	"testing"
)

// accept runs the check-then-update sequence Open uses.
func (r *replayWindow) accept(seq uint64) bool {
	return r.check(seq) && r.update(seq)
}

func TestReplayWindowTable(t *testing.T) {
	type step struct {
		seq  uint64
		want bool
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"in order", []step{{1, true}, {2, true}, {3, true}, {4, true}}},
		{"zero never valid", []step{{0, false}, {1, true}, {0, false}}},
		{"duplicate", []step{{1, true}, {2, true}, {2, false}, {1, false}}},
		{"reordered within window", []step{{100, true}, {50, true}, {99, true}, {1, true}, {50, false}, {101, true}}},
		{"edge of window", []step{{5000, true}, {5000 - 4096, false}, {5000 - 4095, true}, {5000 - 4095, false}}},
		{"big jump", []step{{10, true}, {1_000_000, true}, {10, false}, {999_999, true}, {1_000_000 - 4095, true}, {1_000_000 - 4096, false}}},
		{"jump by exactly one block", []step{{63, true}, {127, true}, {64, true}, {62, true}, {63, false}, {62, false}}},
		{"top of 32-bit space", []step{{0xffffffff, true}, {0xfffffffe, true}, {0xffffffff, false}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newReplayWindow(4096)
			for i, s := range c.steps {
				if got := r.accept(s.seq); got != s.want {
					t.Fatalf("step %d: accept(%d) = %v, want %v", i, s.seq, got, s.want)
				}
			}
		})
	}
}

// TestReplayCheckDoesNotUpdate: a packet that passes the check but then
// fails authentication must leave the window as it was.
func TestReplayCheckDoesNotUpdate(t *testing.T) {
	r := newReplayWindow(1024)
	for range 3 {
		if !r.check(7) {
			t.Fatal("check(7) false on a fresh window")
		}
	}
	if !r.update(7) || r.update(7) || r.check(7) {
		t.Fatal("7 must be accepted exactly once")
	}
	if !r.check(1_000_000) || r.top != 7 {
		t.Fatal("check must not move the window")
	}
}

// TestReplayAgainstModel compares the bitmap with a map-based model under
// random traffic: mostly near the top, some stale, some far jumps.
func TestReplayAgainstModel(t *testing.T) {
	for _, size := range []int{1024, 4096, 5000} {
		r := newReplayWindow(size)
		seen := map[uint64]bool{}
		var top uint64
		rng := rand.New(rand.NewPCG(1, uint64(size)))
		for i := range 200_000 {
			seq := nextRandomSeq(rng, top, uint64(size))
			want := seq != 0 && !seen[seq] && (seq > top || top-seq < uint64(size))
			if got := r.accept(seq); got != want {
				t.Fatalf("size %d step %d: accept(%d) with top %d = %v, want %v", size, i, seq, top, got, want)
			}
			if want {
				seen[seq] = true
				top = max(top, seq)
			}
		}
	}
}

func nextRandomSeq(rng *rand.Rand, top, size uint64) uint64 {
	switch p := rng.IntN(100); {
	case p < 60:
		return top + 1 + rng.Uint64N(4)
	case p < 90:
		return top - min(top, rng.Uint64N(size+200))
	case p < 99:
		return top + rng.Uint64N(size*3)
	default:
		return top + rng.Uint64N(1<<40)
	}
}

func TestESNInference(t *testing.T) {
	const w = 4096
	cases := []struct {
		name string
		top  uint64
		lo   uint32
		want uint64
	}{
		{"fresh SA", 0, 5, 5},
		{"fresh SA, lo near 2^32 stays in subspace 0", 0, 0xfffffff0, 0xfffffff0},
		{"same subspace, ahead", 0x3_00002000, 0x3000, 0x3_00003000},
		{"same subspace, behind in window", 0x3_00002000, 0x1800, 0x3_00001800},
		{"same subspace, bottom of window", 0x3_00002000, 0x1001, 0x3_00001001},
		{"same subspace, below window means next subspace", 0x3_00002000, 0x1000, 0x4_00001000},
		{"window straddles, lo from previous subspace", 0x3_00000010, 0xffffff00, 0x2_ffffff00},
		{"window straddles, lo in current subspace", 0x3_00000010, 0x20, 0x3_00000020},
		{"top at end of subspace, wrap", 0x3_ffffffff, 0x2, 0x4_00000002},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newReplayWindow(w)
			r.top = c.top
			if got := r.inferLocked(c.lo); got != c.want {
				t.Fatalf("infer(top %#x, lo %#x) = %#x, want %#x", c.top, c.lo, got, c.want)
			}
		})
	}
}

// TestESNWrapEndToEnd sends packets across the 2^32 boundary of the low
// sequence half, some reordered, and replays a few of them.
func TestESNWrapEndToEnd(t *testing.T) {
	for _, s := range suites {
		t.Run(s.name, func(t *testing.T) {
			out, in := s.pair(t, true)
			const start = 1<<32 - 8
			out.seq.Store(start - 1)
			in.window.top = start - 1
			var pkts [][]byte
			for i := range 16 {
				pkts = append(pkts, sealCopy(t, out, pattern(30, byte(i))))
			}
			// 0..5 in order, then 9 (past the wrap), then the rest shuffled.
			order := []int{0, 1, 2, 3, 4, 5, 9, 7, 6, 8, 12, 10, 11, 15, 13, 14}
			for _, i := range order {
				mustOpen(t, in, clone(pkts[i]), pattern(30, byte(i)))
			}
			if in.HighestSeq() != start+15 || out.LastSeq() != start+15 {
				t.Fatalf("highest %#x, last sent %#x, want %#x", in.HighestSeq(), out.LastSeq(), uint64(start+15))
			}
			for _, i := range []int{0, 7, 8, 15} {
				if _, _, err := in.Open(clone(pkts[i])); !errors.Is(err, ErrReplay) {
					t.Fatalf("replay of %d: err %v", i, err)
				}
			}
			if st := in.Stats(); st.Drops.Replay != 4 || st.Packets != 16 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

func TestReplayWindowConfig(t *testing.T) {
	s := suites[0]
	for _, c := range []struct{ cfg, want int }{{0, DefaultReplayWindow}, {1024, 1024}, {5000, 5000}} {
		cfg := s.config(0x1000, false)
		cfg.ReplayWindow = c.cfg
		in, err := NewInbound(cfg)
		if err != nil || in.ReplayWindow() != c.want {
			t.Fatalf("ReplayWindow %d: got %v, %v", c.cfg, in, err)
		}
	}
	for _, bad := range []int{-1, 1, 1023, maxReplayWindow + 1} {
		cfg := s.config(0x1000, false)
		cfg.ReplayWindow = bad
		if _, err := NewInbound(cfg); !errors.Is(err, ErrConfig) {
			t.Fatalf("ReplayWindow %d: err %v", bad, err)
		}
	}
}
