// Package router applies the tunnel's addresses and routes to the operating
// system. Callers describe the whole desired state in a Config and call Set;
// implementations compute the difference from what they applied before and
// change only that, so Set is idempotent and cheap to call on every update.
//
// OS code lives in router_<os>.go; router_other.go returns
// errors.ErrUnsupported and Fake records configs for tests.
package router

import (
	"net/netip"
	"slices"
)

// Config is the desired network state for one tunnel interface.
type Config struct {
	// Interface is the TUN device name.
	Interface string
	// MTU of the interface; 0 leaves it alone.
	MTU int
	// Addrs are the addresses assigned by the gateway, with prefix length
	// (a host route for a single address: /32 or /128).
	Addrs []netip.Prefix
	// Routes are sent into the tunnel (split-include or 0.0.0.0/0).
	Routes []netip.Prefix
	// Exclude are networks kept off the tunnel (Unity LOCAL_LAN and the
	// gateway's own address) even when a broader route covers them.
	Exclude []netip.Prefix
	// Table is the Linux routing table to use (0: main).
	Table int
}

// Equal reports whether two configs describe the same state.
func (c Config) Equal(o Config) bool {
	return c.Interface == o.Interface && c.MTU == o.MTU && c.Table == o.Table &&
		samePrefixes(c.Addrs, o.Addrs) && samePrefixes(c.Routes, o.Routes) &&
		samePrefixes(c.Exclude, o.Exclude)
}

func samePrefixes(a, b []netip.Prefix) bool {
	return slices.Equal(sortedPrefixes(a), sortedPrefixes(b))
}

func sortedPrefixes(p []netip.Prefix) []netip.Prefix {
	out := slices.Clone(p)
	slices.SortFunc(out, func(x, y netip.Prefix) int {
		if c := x.Addr().Compare(y.Addr()); c != 0 {
			return c
		}
		return x.Bits() - y.Bits()
	})
	return slices.Compact(out)
}

// Router applies Configs for one interface.
type Router interface {
	// Set makes the system match cfg, changing only what differs from the
	// previous Set. An empty Config removes everything this Router added.
	Set(cfg Config) error
	// Close removes everything this Router added.
	Close() error
}
