package server

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"
)

// Pools is the set of configured pools by name. It is immutable after
// construction; the pools themselves are safe for concurrent use.
type Pools map[string]*Pool

// Lease is the addresses assigned to one session. Release it when the
// session ends.
type Lease struct {
	IP4, IP6     netip.Addr
	pool4, pool6 *Pool // nil for framed addresses outside any pool
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
		l.IP4, l.pool4, err = ps.assignFamily(identity, a.FramedIP4, a.Pool4, req.IP4Hint, false)
		if err != nil {
			return Lease{}, err
		}
	}
	if req.IP6 {
		l.IP6, l.pool6, err = ps.assignFamily(identity, a.FramedIP6, a.Pool6, req.IP6Hint, true)
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
func (ps Pools) assignFamily(identity string, framed netip.Addr, poolName string, hint netip.Addr, v6 bool) (netip.Addr, *Pool, error) {
	if framed.IsValid() {
		return ps.claimFramed(identity, framed)
	}
	if poolName == "" {
		return netip.Addr{}, nil, nil
	}
	p, ok := ps[poolName]
	if !ok || p.Is6() != v6 {
		return netip.Addr{}, nil, fmt.Errorf("%w: %q", ErrUnknownPool, poolName)
	}
	addr, err := p.Allocate(identity, hint)
	if err != nil {
		return netip.Addr{}, nil, err
	}
	return addr, p, nil
}

// claimFramed reserves a framed address in the pool that contains it, so
// the pool cannot hand it to someone else. A framed address outside every
// pool is used as is; the session registry keeps it unique.
func (ps Pools) claimFramed(identity string, a netip.Addr) (netip.Addr, *Pool, error) {
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
			return netip.Addr{}, nil, err
		}
		return a, p, nil
	}
	return a, nil, nil
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
	if l.pool4 != nil {
		l.pool4.Release(l.IP4)
	}
	if l.pool6 != nil {
		l.pool6.Release(l.IP6)
	}
}
