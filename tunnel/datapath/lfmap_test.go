package datapath

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
)

// checkLFMap compares m with model over keys 0..n-1 and checks the
// invariants the readers rely on.
func checkLFMap(t *testing.T, m *lfMap[uint32, int], model map[uint32]int, hash func(uint32) uint64, n uint32) {
	t.Helper()
	for k := range n {
		got, ok := m.get(k, hash(k))
		want, wantOK := model[k]
		if ok != wantOK || got != want {
			t.Fatalf("get(%d) = %d, %v; want %d, %v", k, got, ok, want, wantOK)
		}
	}
	if m.live != len(model) {
		t.Fatalf("live = %d, model has %d", m.live, len(model))
	}
	a := m.cur.Load()
	if m.used*2 > len(a.slots) || m.used < m.live {
		t.Fatalf("used %d, live %d, slots %d: load factor broken", m.used, m.live, len(a.slots))
	}
	empty := 0
	for i := range a.slots {
		if a.slots[i].Load() == nil {
			empty++
		}
	}
	if empty != len(a.slots)-m.used {
		t.Fatalf("%d empty slots, want %d: used miscounted", empty, len(a.slots)-m.used)
	}
	got := slices.Sorted(m.values())
	var want []int
	for _, v := range model {
		want = append(want, v)
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("values() = %v, want %v", got, want)
	}
}

// TestLFMapMatchesModel drives random sets and deletes over a small key
// space, so tombstones are reused and rebuilds happen often, with a good
// hash and with hashes that force long chains wrapping around the array.
func TestLFMapMatchesModel(t *testing.T) {
	const keys = 200
	hashes := map[string]func(uint32) uint64{
		"mixed":    func(k uint32) uint64 { return hashSPI(k, 42) },
		"clusters": func(k uint32) uint64 { return uint64(k % 3) },
		"all-same": func(uint32) uint64 { return ^uint64(0) }, // the last slot: chains wrap
	}
	for name, hash := range hashes {
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			var m lfMap[uint32, int]
			m.init()
			model := map[uint32]int{}
			for op := range 3000 {
				k := rng.Uint32N(keys)
				// Phases bias towards filling, then emptying, so the
				// array grows and shrinks.
				filling := (op/500)%2 == 0
				if filling == (rng.IntN(4) != 0) {
					old, replaced := m.set(k, hash(k), op)
					if prev, ok := model[k]; ok != replaced || (ok && old != prev) {
						t.Fatalf("set(%d) replaced %d, %v; model had %d, %v", k, old, replaced, prev, ok)
					}
					model[k] = op
				} else {
					old, ok := m.delete(k, hash(k))
					if prev, had := model[k]; had != ok || (ok && old != prev) {
						t.Fatalf("delete(%d) = %d, %v; model had %d, %v", k, old, ok, prev, had)
					}
					delete(model, k)
				}
				if op%50 == 0 {
					checkLFMap(t, &m, model, hash, keys)
				}
			}
			checkLFMap(t, &m, model, hash, keys)
		})
	}
}

// TestLFMapGrowsAndShrinks checks that the array follows the number of
// live entries both ways, so a server that once had many clients does
// not keep probing a huge sparse array.
func TestLFMapGrowsAndShrinks(t *testing.T) {
	var m lfMap[netip.Addr, int]
	m.init()
	const n = 10000
	addr := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}) }
	for i := range n {
		m.set(addr(i), hashAddr(addr(i), 7), i)
	}
	if s := len(m.cur.Load().slots); s < 2*n || s > 8*n {
		t.Errorf("%d entries in %d slots", n, s)
	}
	for i := 5; i < n; i++ {
		if _, ok := m.delete(addr(i), hashAddr(addr(i), 7)); !ok {
			t.Fatalf("delete %v: missing", addr(i))
		}
	}
	if s := len(m.cur.Load().slots); s > 4*lfMinSlots {
		t.Errorf("5 entries left in %d slots", s)
	}
	for i := range 5 {
		if v, ok := m.get(addr(i), hashAddr(addr(i), 7)); !ok || v != i {
			t.Errorf("get %v = %d, %v after shrinking", addr(i), v, ok)
		}
	}
}

// TestLFMapChurn checks that churn at a steady size (a server's sessions
// coming and going) rebuilds rarely, and that a key deleted and added back
// takes its tombstone rather than a fresh slot.
func TestLFMapChurn(t *testing.T) {
	var m lfMap[uint32, int]
	m.init()
	const live = 1000
	for k := range uint32(live) {
		m.set(k, hashSPI(k, 1), 0)
	}
	used := m.used
	m.delete(7, hashSPI(7, 1))
	m.set(7, hashSPI(7, 1), 1)
	if m.used != used {
		t.Errorf("delete and re-add of one key: used %d -> %d", used, m.used)
	}
	arrays := map[*lfArray[uint32, int]]bool{m.cur.Load(): true}
	const churn = 19 * live
	for k := uint32(live); k < live+churn; k++ {
		m.delete(k-live, hashSPI(k-live, 1))
		m.set(k, hashSPI(k, 1), 0)
		arrays[m.cur.Load()] = true
	}
	// At 1 000 entries the array has 4 096 slots, rebuilt when half are
	// used: each rebuild leaves room for at least 1 048 fresh slots.
	if rebuilds, limit := len(arrays)-1, churn/1048+1; rebuilds > limit {
		t.Errorf("%d rebuilds for %d deletes and adds at %d entries, want at most %d", rebuilds, churn, live, limit)
	}
	if m.live != live {
		t.Errorf("live = %d, want %d", m.live, live)
	}
}

// probeLengths returns the mean and longest distance from each key's home
// slot to where it sits: what a lookup hit walks.
func probeLengths[K comparable, V any](m *lfMap[K, V]) (mean float64, longest uint64) {
	a := m.cur.Load()
	var sum uint64
	for i := range a.slots {
		e := a.slots[i].Load()
		if e == nil || e == m.tomb {
			continue
		}
		d := (uint64(i) - e.hash) & a.mask
		sum += d
		longest = max(longest, d)
	}
	return float64(sum) / float64(m.live), longest
}

// TestHashesSpreadSequentialKeys checks the cheap per-packet hashes on
// the keys a server really has: pool addresses and SPIs handed out in
// sequence. Linear probing at load 1/4 to 1/2 should find a key in about
// one step; clustering would show as long walks.
func TestHashesSpreadSequentialKeys(t *testing.T) {
	const n = 20000
	const seed = 0x5eed_f00d_cafe_d00d // fixed: a test must not depend on luck
	check := func(name string, mean float64, longest uint64) {
		t.Helper()
		t.Logf("%s: mean probe distance %.2f, longest %d", name, mean, longest)
		if mean > 1 || longest > 40 {
			t.Errorf("%s: mean probe distance %.2f, longest %d", name, mean, longest)
		}
	}
	var v4, v6 lfMap[netip.Addr, int]
	v4.init()
	v6.init()
	base6 := netip.MustParseAddr("2001:db8:100::").As16()
	for i := range n {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		v4.set(a, hashAddr(a, seed), i)
		b := base6
		b[14], b[15] = byte(i>>8), byte(i)
		a = netip.AddrFrom16(b)
		v6.set(a, hashAddr(a, seed), i)
	}
	m, l := probeLengths(&v4)
	check("IPv4 pool", m, l)
	m, l = probeLengths(&v6)
	check("IPv6 pool", m, l)

	var spis lfMap[uint32, int]
	spis.init()
	for i := range uint32(n) {
		spis.set(0xc0000000+i, hashSPI(0xc0000000+i, seed), 0)
	}
	m, l = probeLengths(&spis)
	check("SPIs", m, l)

	var peers lfMap[flow, int]
	peers.init()
	nat := netip.MustParseAddr("198.51.100.1")
	for i := range n {
		f := flow{dst: netip.AddrPortFrom(nat, uint16(1024+i))} // many clients behind one NAT
		peers.set(f, hashFlow(f, seed), 0)
	}
	m, l = probeLengths(&peers)
	check("flows behind one NAT", m, l)
}
