package server

import (
	"fmt"
	"maps"
	"net/netip"
	"sync"
)

// Pool hands out single addresses from an IPv4 or IPv6 prefix, one per
// client session (IPv6 clients get a /128, as the seed's "ipv6 local pool
// ... 128" does). It never hands out the network address, the IPv4
// broadcast address, the gateway's own address or an excluded address. A
// reconnecting identity gets its previous address back while that address
// is free; to make that likely the pool walks forward through its range
// instead of reusing the most recently released address.
//
// A Pool is safe for concurrent use.
type Pool struct {
	name     string
	prefix   netip.Prefix
	gateway  netip.Addr
	ranges   []addrRange // usable addresses, sorted and disjoint
	capacity uint64

	mu     sync.Mutex
	leases map[netip.Addr]string // address → identity holding it
	sticky map[string]netip.Addr // identity → address it last held
	cursor netip.Addr            // where the next search starts
}

// maxSticky bounds the memory of past leases: identities are only
// remembered to be polite to reconnecting clients, never at the cost of
// unbounded growth.
const maxSticky = 1 << 16

// NewPool builds a pool over prefix minus gateway and the exclusions.
// Exclusions must lie inside the prefix; a pool with no usable address is
// an error.
func NewPool(name string, prefix netip.Prefix, gateway netip.Addr, exclude []netip.Prefix) (*Pool, error) {
	if !prefix.IsValid() {
		return nil, fmt.Errorf("%w: pool %q: invalid prefix", ErrConfig, name)
	}
	prefix = prefix.Masked()
	full := prefixRange(prefix)
	rs := []addrRange{full}
	// The all-zeros host is the network (IPv4) or subnet-router anycast
	// (IPv6) address; all-ones is the IPv4 broadcast. A /31, /32 or /127,
	// /128 has no such addresses to spare.
	if prefix.Bits() < prefix.Addr().BitLen()-1 {
		rs = subtract(rs, addrRange{full.first, full.first})
		if prefix.Addr().Is4() {
			rs = subtract(rs, addrRange{full.last, full.last})
		}
	}
	if gateway.IsValid() {
		gateway = gateway.Unmap()
		rs = subtract(rs, addrRange{gateway, gateway})
	}
	for _, ex := range exclude {
		if !ex.IsValid() || !prefix.Overlaps(ex) || ex.Bits() < prefix.Bits() {
			return nil, fmt.Errorf("%w: pool %q: exclusion %s is not inside %s", ErrConfig, name, ex, prefix)
		}
		rs = subtract(rs, prefixRange(ex))
	}
	if len(rs) == 0 {
		return nil, fmt.Errorf("%w: pool %q: no usable address left in %s", ErrConfig, name, prefix)
	}
	return &Pool{
		name: name, prefix: prefix, gateway: gateway, ranges: rs, capacity: totalSize(rs),
		leases: make(map[netip.Addr]string), sticky: make(map[string]netip.Addr),
		cursor: rs[len(rs)-1].last, // so the first search starts at the lowest address
	}, nil
}

// Name returns the pool's configured name.
func (p *Pool) Name() string { return p.name }

// Prefix returns the pool's prefix.
func (p *Pool) Prefix() netip.Prefix { return p.prefix }

// Gateway returns the gateway's own inner address configured for the
// pool (invalid if none): the server's tunnel interface address.
func (p *Pool) Gateway() netip.Addr { return p.gateway }

// Is6 reports whether this is an IPv6 pool.
func (p *Pool) Is6() bool { return p.prefix.Addr().Is6() }

// Usable reports whether the pool may ever hand out a.
func (p *Pool) Usable(a netip.Addr) bool {
	a = a.Unmap()
	for _, r := range p.ranges {
		if r.contains(a) {
			return true
		}
	}
	return false
}

// Allocate leases an address to identity. It tries, in order: hint (an
// address the client asked for, if usable and free), the address the
// identity held last time (if free), then the next free address.
// ErrPoolExhausted is returned when every usable address is leased.
func (p *Pool) Allocate(identity string, hint netip.Addr) (netip.Addr, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if hint.IsValid() && p.free(hint.Unmap()) {
		return p.lease(hint.Unmap(), identity), nil
	}
	if last, ok := p.sticky[identity]; ok && p.free(last) {
		return p.lease(last, identity), nil
	}
	if uint64(len(p.leases)) >= p.capacity {
		return netip.Addr{}, fmt.Errorf("%w: pool %q (%d addresses)", ErrPoolExhausted, p.name, p.capacity)
	}
	return p.lease(p.nextFree(), identity), nil
}

// Claim leases a specific address, such as a user's framed address that
// lies inside the pool, so the pool will not give it to anyone else.
func (p *Pool) Claim(identity string, a netip.Addr) error {
	a = a.Unmap()
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.Usable(a) {
		return fmt.Errorf("%w: %s in pool %q", ErrAddressNotInPool, a, p.name)
	}
	if holder, taken := p.leases[a]; taken {
		return fmt.Errorf("%w: %s is held by %s", ErrAddressInUse, a, holder)
	}
	p.lease(a, identity)
	return nil
}

// Release returns a to the pool. It reports whether a was leased.
func (p *Pool) Release(a netip.Addr) bool {
	a = a.Unmap()
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.leases[a]; !ok {
		return false
	}
	delete(p.leases, a)
	return true
}

// Holder returns the identity holding a.
func (p *Pool) Holder(a netip.Addr) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	id, ok := p.leases[a.Unmap()]
	return id, ok
}

// Stats returns the number of leased addresses and the pool's capacity
// (saturated at MaxUint64 for huge IPv6 pools).
func (p *Pool) Stats() (inUse int, capacity uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.leases), p.capacity
}

func (p *Pool) free(a netip.Addr) bool {
	_, taken := p.leases[a]
	return !taken && p.Usable(a)
}

func (p *Pool) lease(a netip.Addr, identity string) netip.Addr {
	p.leases[a] = identity
	if _, known := p.sticky[identity]; !known && len(p.sticky) >= maxSticky {
		for k := range p.sticky { // forget an arbitrary old identity
			delete(p.sticky, k)
			break
		}
	}
	p.sticky[identity] = a
	p.cursor = a
	return a
}

// nextFree walks forward from the cursor, wrapping at the end. The caller
// has checked that a free address exists, so the walk visits at most
// len(leases)+1 addresses.
func (p *Pool) nextFree() netip.Addr {
	i := p.rangeIndex(p.cursor)
	a := p.cursor
	for {
		a, i = p.step(a, i)
		if _, taken := p.leases[a]; !taken {
			return a
		}
	}
}

// step returns the usable address after a (in range i), wrapping around.
func (p *Pool) step(a netip.Addr, i int) (netip.Addr, int) {
	if a != p.ranges[i].last {
		return a.Next(), i
	}
	i = (i + 1) % len(p.ranges)
	return p.ranges[i].first, i
}

func (p *Pool) rangeIndex(a netip.Addr) int {
	for i, r := range p.ranges {
		if r.contains(a) {
			return i
		}
	}
	return 0
}

// snapshotLeases copies the lease table (for Adopt).
func (p *Pool) snapshotLeases() map[netip.Addr]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.leases)
}

// adoptSticky takes over the remembered identity → address map of old,
// keeping only addresses this pool can hand out.
func (p *Pool) adoptSticky(old *Pool) {
	old.mu.Lock()
	sticky := maps.Clone(old.sticky)
	old.mu.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, a := range sticky {
		if _, known := p.sticky[id]; !known && p.Usable(a) && len(p.sticky) < maxSticky {
			p.sticky[id] = a
		}
	}
}
