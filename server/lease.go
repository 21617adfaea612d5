package server

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sort"
)

// Pools is the set of configured pools by name. It is immutable after
// construction; the pools themselves are safe for concurrent use.
type Pools map[string]*Pool

// Lease is the addresses assigned to one session. Release it through the
// current Pools when the session ends. It names its pools rather than
// pointing at them so that it stays valid across a configuration reload
// (see Adopt).
type Lease struct {
	IP4, IP6     netip.Addr
	Pool4, Pool6 string // "" for framed addresses outside any pool
}

// IP6Bits is the prefix length sent with INTERNAL_IP6_ADDRESS: one /128
// per client, as the seed's IPv6 pools do.
const IP6Bits = 128

// Assign gives the session the addresses it asked for (seed L1567-1584):
// for each family the client requested, the user's framed address if
// there is one, else an address from the authorized pool. A family with
// no source is skipped, but a request that ends with no address at all is
// ErrNoPool, and an exhausted pool is ErrPoolExhausted: both map to
// INTERNAL_ADDRESS_FAILURE. A client that asked for nothing gets an empty
// lease.
func (ps Pools) Assign(identity string, req CPRequest, a Attributes) (Lease, error) {
	var l Lease
	var err error
	if req.IP4 {
		l.IP4, l.Pool4, err = ps.assignFamily(identity, a.FramedIP4, a.Pool4, req.IP4Hint, false)
		if err != nil {
			return Lease{}, err
		}
	}
	if req.IP6 {
		l.IP6, l.Pool6, err = ps.assignFamily(identity, a.FramedIP6, a.Pool6, req.IP6Hint, true)
		if err != nil {
			ps.Release(l)
			return Lease{}, err
		}
	}
	if (req.IP4 || req.IP6) && !l.IP4.IsValid() && !l.IP6.IsValid() {
		return Lease{}, fmt.Errorf("%w: %s asked for an address; give the user a framed address or its group a pool", ErrNoPool, identity)
	}
	return l, nil
}

// assignFamily returns an invalid address and no error when the family
// has no source configured.
func (ps Pools) assignFamily(identity string, framed netip.Addr, poolName string, hint netip.Addr, v6 bool) (netip.Addr, string, error) {
	if framed.IsValid() {
		return ps.claimFramed(identity, framed)
	}
	if poolName == "" {
		return netip.Addr{}, "", nil
	}
	p, ok := ps[poolName]
	if !ok || p.Is6() != v6 {
		return netip.Addr{}, "", fmt.Errorf("%w: %q", ErrUnknownPool, poolName)
	}
	addr, err := p.Allocate(identity, hint)
	if err != nil {
		return netip.Addr{}, "", err
	}
	return addr, poolName, nil
}

// claimFramed reserves a framed address in the pool that contains it, so
// the pool cannot hand it to someone else. A framed address outside every
// pool is used as is; the session registry keeps it unique.
func (ps Pools) claimFramed(identity string, a netip.Addr) (netip.Addr, string, error) {
	for _, name := range ps.names() {
		p := ps[name]
		if !p.Prefix().Contains(a) {
			continue
		}
		err := p.Claim(identity, a)
		if errors.Is(err, ErrAddressNotInPool) {
			continue // e.g. the pool's gateway address: not the pool's to manage
		}
		if err != nil {
			return netip.Addr{}, "", err
		}
		return a, name, nil
	}
	return a, "", nil
}

func (ps Pools) names() []string {
	out := make([]string, 0, len(ps))
	for n := range ps {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Release returns the lease's pooled addresses.
func (ps Pools) Release(l Lease) {
	if p := ps[l.Pool4]; p != nil {
		p.Release(l.IP4)
	}
	if p := ps[l.Pool6]; p != nil {
		p.Release(l.IP6)
	}
}

// Adopt carries the leases and remembered addresses of the old pools
// into these (new, unused) pools on a configuration reload, so running
// sessions keep their addresses and the new pools cannot hand them out
// twice. A lease whose address the same-named new pool no longer offers
// (the pool was removed, shrunk or changed) is returned as orphaned: the
// glue should disconnect that session.
func (ps Pools) Adopt(old Pools) (orphaned []netip.Addr) {
	for _, name := range old.names() {
		for addr, identity := range old[name].snapshotLeases() {
			p := ps[name]
			if p == nil || p.Claim(identity, addr) != nil {
				orphaned = append(orphaned, addr)
			}
		}
		if p := ps[name]; p != nil {
			p.adoptSticky(old[name])
		}
	}
	slices.SortFunc(orphaned, func(a, b netip.Addr) int { return a.Compare(b) })
	return orphaned
}
