package datapath

import (
	"encoding/binary"
	"iter"
	"math/bits"
	"net/netip"
	"sync/atomic"
)

// lfMap is a hash table that one writer at a time edits in place while any
// number of readers look up without locks or allocations: open addressing
// with linear probing over a power-of-two array of atomic pointers to
// immutable entries.
//
// Why it is safe to read while the writer works:
//   - a writer replaces an entry by storing a new pointer into its slot and
//     deletes one by storing the tombstone, so a reader sees each entry
//     whole, the old one or the new one;
//   - a slot never goes back to empty, so a probe chain is never cut under
//     a reader: a key present throughout is always found;
//   - when empty slots run low the writer copies the live entries into a
//     fresh array and swaps it in; a reader still on the old array sees it
//     frozen, a moment out of date, like any snapshot.
//
// Every edit costs O(1) amortised: a rebuild costs O(slots) and comes only
// after a quarter of the slots have been newly filled (or, shrinking, most
// live entries deleted) since the last one. Keys are hashed by the caller
// (hashSPI, hashAddr, hashFlow) so lookups call no function through a
// generic dictionary. Writers must be serialised by the caller.
type lfMap[K comparable, V any] struct {
	cur  atomic.Pointer[lfArray[K, V]]
	tomb *lfEntry[K, V] // marks a deleted slot; set once by init

	live int // entries present; writer only
	used int // slots not empty (live entries and tombstones); writer only
}

type lfEntry[K comparable, V any] struct {
	key  K
	hash uint64 // kept so a rebuild need not rehash
	val  V
}

type lfArray[K comparable, V any] struct {
	slots []atomic.Pointer[lfEntry[K, V]]
	mask  uint64
}

// lfMinSlots is the smallest array; the load factor stays below 1/2, so
// every probe chain ends at an empty slot within a few steps.
const lfMinSlots = 16

// init readies the map; call it before any reader can see the map.
func (m *lfMap[K, V]) init() {
	m.tomb = new(lfEntry[K, V])
	m.rebuild(0)
}

// get returns the value stored under k, whose hash is h.
func (m *lfMap[K, V]) get(k K, h uint64) (v V, ok bool) {
	a := m.cur.Load()
	for i := h & a.mask; ; i = (i + 1) & a.mask {
		e := a.slots[i].Load()
		if e == nil {
			return v, false
		}
		if e != m.tomb && e.hash == h && e.key == k {
			return e.val, true
		}
	}
}

// set stores v under k and returns the value it replaced, if any.
func (m *lfMap[K, V]) set(k K, h uint64, v V) (old V, replaced bool) {
	ne := &lfEntry[K, V]{key: k, hash: h, val: v}
	a := m.cur.Load()
	s, e := m.probe(a, k, h)
	if e != nil {
		s.Store(ne)
		return e.val, true
	}
	if s.Load() == nil { // the entry takes an empty slot
		if (m.used+1)*2 > len(a.slots) {
			a = m.rebuild(m.live + 1)
			s, _ = m.probe(a, k, h)
		}
		m.used++
	}
	s.Store(ne)
	m.live++
	return old, false
}

// delete removes k and returns the value it had, if any.
func (m *lfMap[K, V]) delete(k K, h uint64) (old V, ok bool) {
	a := m.cur.Load()
	s, e := m.probe(a, k, h)
	if e == nil {
		return old, false
	}
	s.Store(m.tomb)
	m.live--
	if len(a.slots) > lfMinSlots && m.live*16 < len(a.slots) {
		m.rebuild(m.live)
	}
	return e.val, true
}

// probe walks k's chain in a. It returns k's slot and entry when k is
// present, else the first slot k may take (a tombstone, else the empty
// slot ending the chain) and a nil entry.
func (m *lfMap[K, V]) probe(a *lfArray[K, V], k K, h uint64) (*atomic.Pointer[lfEntry[K, V]], *lfEntry[K, V]) {
	var free *atomic.Pointer[lfEntry[K, V]]
	for i := h & a.mask; ; i = (i + 1) & a.mask {
		s := &a.slots[i]
		switch e := s.Load(); {
		case e == nil:
			if free == nil {
				free = s
			}
			return free, nil
		case e == m.tomb:
			if free == nil {
				free = s
			}
		case e.hash == h && e.key == k:
			return s, e
		}
	}
}

// rebuild copies the live entries into a new array sized for n entries at
// a load factor of at most 1/4, and publishes it.
func (m *lfMap[K, V]) rebuild(n int) *lfArray[K, V] {
	size := lfMinSlots
	for size < 4*n {
		size *= 2
	}
	na := &lfArray[K, V]{slots: make([]atomic.Pointer[lfEntry[K, V]], size), mask: uint64(size - 1)}
	if old := m.cur.Load(); old != nil {
		for i := range old.slots {
			e := old.slots[i].Load()
			if e == nil || e == m.tomb {
				continue
			}
			j := e.hash & na.mask
			for na.slots[j].Load() != nil {
				j = (j + 1) & na.mask
			}
			na.slots[j].Store(e)
		}
	}
	m.cur.Store(na)
	m.used = m.live
	return na
}

// values yields the values present, without locks. An entry replaced
// during the walk shows in either state; one deleted and added back may
// be missed: fine for a periodic sweep such as keepalives.
func (m *lfMap[K, V]) values() iter.Seq[V] {
	return func(yield func(V) bool) {
		a := m.cur.Load()
		for i := range a.slots {
			if e := a.slots[i].Load(); e != nil && e != m.tomb && !yield(e.val) {
				return
			}
		}
	}
}

// mix64 is the SplitMix64 finaliser: every input bit flips about half the
// output bits, so sequential SPIs and pool addresses spread evenly.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// The hashes are seeded per Device so that nobody can choose keys (say,
// remote ports through a NAT) that pile into one probe chain.

func hashSPI(spi uint32, seed uint64) uint64 { return mix64(uint64(spi) ^ seed) }

// hashAddr runs on every outbound packet, so it folds a single 128-bit
// product rather than mixing twice: a third of the cost, and the low bits
// (the slot index) still spread sequential pool addresses evenly.
func hashAddr(a netip.Addr, seed uint64) uint64 {
	if a.Is4() {
		b := a.As4()
		return fold(uint64(binary.BigEndian.Uint32(b[:]))^seed, golden)
	}
	b := a.As16()
	return fold(binary.BigEndian.Uint64(b[:8])^seed, binary.BigEndian.Uint64(b[8:])^(seed*golden))
}

// golden is 2^64 divided by the golden ratio, an odd multiplier whose
// bits have no pattern.
const golden = 0x9e3779b97f4a7c15

// fold multiplies into 128 bits and xors the halves.
func fold(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

func hashFlow(f flow, seed uint64) uint64 {
	h := hashAddr(f.dst.Addr(), seed) ^ uint64(f.dst.Port())<<16 ^ uint64(f.sock)
	return mix64(h ^ mix64(hashAddr(f.src, ^seed)))
}
