package server

import (
	"encoding/binary"
	"math"
	"net/netip"
)

// addrRange is an inclusive range of addresses of one family.
type addrRange struct {
	first, last netip.Addr
}

func (r addrRange) contains(a netip.Addr) bool {
	return r.first.Compare(a) <= 0 && a.Compare(r.last) <= 0
}

// size returns the number of addresses in r, saturating at MaxUint64 for
// the huge ranges an IPv6 pool can have.
func (r addrRange) size() uint64 {
	fh, fl := split128(r.first)
	lh, ll := split128(r.last)
	hi := lh - fh
	if ll < fl {
		hi--
	}
	lo := ll - fl
	if hi > 0 || lo == math.MaxUint64 {
		return math.MaxUint64
	}
	return lo + 1
}

func split128(a netip.Addr) (hi, lo uint64) {
	b := a.As16()
	return binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
}

// prefixRange returns the first and last address of a prefix.
func prefixRange(p netip.Prefix) addrRange {
	p = p.Masked()
	first := p.Addr()
	b := first.AsSlice()
	hostBits := len(b)*8 - p.Bits()
	for i := len(b) - 1; i >= 0 && hostBits > 0; i-- {
		n := min(hostBits, 8)
		b[i] |= byte(1<<n - 1)
		hostBits -= n
	}
	last, _ := netip.AddrFromSlice(b)
	return addrRange{first, last}
}

// subtract removes cut from every range in rs, splitting ranges it falls
// inside. rs must be sorted and disjoint; the result is too.
func subtract(rs []addrRange, cut addrRange) []addrRange {
	out := rs[:0:0]
	for _, r := range rs {
		if cut.last.Compare(r.first) < 0 || r.last.Compare(cut.first) < 0 {
			out = append(out, r)
			continue
		}
		if r.first.Compare(cut.first) < 0 {
			out = append(out, addrRange{r.first, cut.first.Prev()})
		}
		if cut.last.Compare(r.last) < 0 {
			out = append(out, addrRange{cut.last.Next(), r.last})
		}
	}
	return out
}

// totalSize sums range sizes, saturating.
func totalSize(rs []addrRange) uint64 {
	var n uint64
	for _, r := range rs {
		s := r.size()
		if n+s < n {
			return math.MaxUint64
		}
		n += s
	}
	return n
}
