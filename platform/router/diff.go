package router

import "net/netip"

// delta is what must change to go from one Config to another.
type delta struct {
	addAddrs, delAddrs     []netip.Prefix
	addRoutes, delRoutes   []netip.Prefix
	addExclude, delExclude []netip.Prefix
	mtuChanged             bool
}

// diff computes the changes from old to cfg. Removals come before
// additions when applied, so an address moving between prefixes works.
func diff(old, cfg Config) delta {
	var d delta
	d.addAddrs, d.delAddrs = setDiff(old.Addrs, cfg.Addrs)
	d.addRoutes, d.delRoutes = setDiff(old.Routes, cfg.Routes)
	d.addExclude, d.delExclude = setDiff(old.Exclude, cfg.Exclude)
	d.mtuChanged = cfg.MTU != 0 && cfg.MTU != old.MTU
	return d
}

// setDiff returns the prefixes only in next (to add) and only in prev (to
// remove), in a stable order.
func setDiff(prev, next []netip.Prefix) (add, del []netip.Prefix) {
	p, n := sortedPrefixes(prev), sortedPrefixes(next)
	in := func(set []netip.Prefix, x netip.Prefix) bool {
		for _, s := range set {
			if s == x {
				return true
			}
		}
		return false
	}
	for _, x := range n {
		if !in(p, x) {
			add = append(add, x)
		}
	}
	for _, x := range p {
		if !in(n, x) {
			del = append(del, x)
		}
	}
	return add, del
}
