package esp

import (
	"math/bits"
	"sync"
)

// replayWindow is the RFC 6479 anti-replay window: a ring of 64-bit blocks
// indexed by sequence number, so sliding forward clears whole blocks instead
// of shifting a bitmap. The ring holds one block more than the window needs,
// so the block holding the top sequence number never overlaps the oldest.
//
// Callers check a sequence number before authenticating the packet and
// update the window only after authentication succeeds (RFC 4303 3.4.3), so
// forged packets cannot move the window.
type replayWindow struct {
	mu     sync.Mutex
	top    uint64 // highest sequence number accepted; 0 before the first
	size   uint64 // window size in packets
	mask   uint64 // number of blocks - 1 (a power of two minus one)
	blocks []uint64
}

func newReplayWindow(size int) *replayWindow {
	n := uint64(size+63)/64 + 1
	n = 1 << bits.Len64(n-1) // round up to a power of two
	return &replayWindow{size: uint64(size), mask: n - 1, blocks: make([]uint64, n)}
}

func (r *replayWindow) bit(seq uint64) (block *uint64, bit uint64) {
	return &r.blocks[(seq>>6)&r.mask], 1 << (seq & 63)
}

// acceptableLocked reports whether seq is new and inside the window.
func (r *replayWindow) acceptableLocked(seq uint64) bool {
	if seq == 0 { // the counter starts at 1 (RFC 4303 3.3.3)
		return false
	}
	if seq > r.top {
		return true
	}
	if r.top-seq >= r.size {
		return false
	}
	b, m := r.bit(seq)
	return *b&m == 0
}

// check is the pre-authentication test for a full sequence number.
func (r *replayWindow) check(seq uint64) bool {
	r.mu.Lock()
	ok := r.acceptableLocked(seq)
	r.mu.Unlock()
	return ok
}

// checkESN infers the high 32 bits of a received sequence number (RFC 4303
// Appendix A2.2) and checks the result, under one lock.
func (r *replayWindow) checkESN(lo uint32) (uint64, bool) {
	r.mu.Lock()
	seq := r.inferLocked(lo)
	ok := r.acceptableLocked(seq)
	r.mu.Unlock()
	return seq, ok
}

// inferLocked picks the high half that places lo nearest the window: if the
// window lies inside one 2^32 subspace, a lo below its bottom must belong to
// the next subspace; if it straddles two, a lo above its bottom belongs to
// the previous one.
func (r *replayWindow) inferLocked(lo uint32) uint64 {
	th, tl := uint32(r.top>>32), uint32(r.top)
	bottom := tl - uint32(r.size) + 1 // wraps when the window straddles
	hi := th
	if uint64(tl) >= r.size-1 {
		if lo < bottom {
			hi = th + 1
		}
	} else if lo >= bottom && th > 0 {
		hi = th - 1
	}
	return uint64(hi)<<32 | uint64(lo)
}

// update records an authenticated sequence number. It returns false if
// another goroutine accepted the same number since check, or if the window
// moved past it meanwhile.
func (r *replayWindow) update(seq uint64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.acceptableLocked(seq) {
		return false
	}
	if seq > r.top {
		r.advanceLocked(seq)
	}
	b, m := r.bit(seq)
	*b |= m
	return true
}

// advanceLocked clears the blocks between the old top and seq, at most the
// whole ring, then makes seq the top.
func (r *replayWindow) advanceLocked(seq uint64) {
	cur, next := r.top>>6, seq>>6
	n := next - cur
	if n > r.mask+1 {
		n = r.mask + 1
	}
	for i := uint64(1); i <= n; i++ {
		r.blocks[(cur+i)&r.mask] = 0
	}
	r.top = seq
}
