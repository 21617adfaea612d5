//go:build linux

package router

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"sync"
)

// DefaultTable is the policy routing table tunnel routes go to. A rule
// sends lookups there before the main table; "throw" routes in it make
// excluded networks fall through to the main table, which is how split
// exclusion and the gateway's own address stay off the tunnel.
const DefaultTable = 5300

// rulePriority places our rule before the main table's (32766).
const rulePriority = 5300

type linuxRouter struct {
	run Runner

	mu      sync.Mutex
	applied Config
	rules   map[int]bool // address family (4, 6) → rule installed
}

// New returns a Router that applies configs with iproute2 through run
// (ExecRunner{} in production).
func New(run Runner) Router {
	return &linuxRouter{run: run, rules: map[int]bool{}}
}

func (r *linuxRouter) Set(cfg Config) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if cfg.Table == 0 {
		cfg.Table = DefaultTable
	}
	old := r.applied
	if old.Interface != "" && (old.Interface != cfg.Interface || old.Table != cfg.Table) {
		// A different interface or table is a different state: undo it all.
		if err := r.clearLocked(); err != nil {
			return err
		}
		old = r.applied
	}
	if cfg.Interface == "" {
		return r.clearLocked()
	}
	err := r.applyLocked(old, cfg)
	r.applied = cfg
	return err
}

func (r *linuxRouter) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.clearLocked()
}

// applyLocked moves the system from old to cfg. It keeps going after a
// failed command so that one bad route does not leave the rest unapplied,
// and reports every failure.
func (r *linuxRouter) applyLocked(old, cfg Config) error {
	d := diff(old, cfg)
	table := strconv.Itoa(cfg.Table)
	dev := cfg.Interface
	var errs []error
	try := func(args ...string) { errs = append(errs, r.run.Run(args...)) }

	if d.mtuChanged {
		try("ip", "link", "set", "dev", dev, "mtu", strconv.Itoa(cfg.MTU))
	}
	if old.Interface == "" {
		try("ip", "link", "set", "dev", dev, "up")
	}
	for _, p := range d.delRoutes {
		try("ip", family(p), "route", "del", p.String(), "dev", dev, "table", table)
	}
	for _, p := range d.delExclude {
		try("ip", family(p), "route", "del", "throw", p.String(), "table", table)
	}
	for _, p := range d.delAddrs {
		try("ip", family(p), "addr", "del", p.String(), "dev", dev)
	}
	for _, p := range d.addAddrs {
		try("ip", family(p), "addr", "replace", p.String(), "dev", dev)
	}
	for _, p := range d.addExclude {
		try("ip", family(p), "route", "replace", "throw", p.String(), "table", table)
	}
	for _, p := range d.addRoutes {
		try("ip", family(p), "route", "replace", p.String(), "dev", dev, "table", table)
	}
	for _, fam := range families(cfg) {
		if !r.rules[fam] {
			try("ip", "-"+strconv.Itoa(fam), "rule", "add", "priority", strconv.Itoa(rulePriority), "lookup", table)
			r.rules[fam] = true
		}
	}
	return errors.Join(errs...)
}

// clearLocked removes our rules and table contents. Addresses go away with
// the TUN device; removing them explicitly keeps a reused device clean.
func (r *linuxRouter) clearLocked() error {
	old := r.applied
	if old.Interface == "" && len(r.rules) == 0 {
		return nil
	}
	var errs []error
	table := strconv.Itoa(old.Table)
	for _, fam := range []int{4, 6} {
		if r.rules[fam] {
			errs = append(errs, r.run.Run("ip", "-"+strconv.Itoa(fam), "rule", "del", "priority", strconv.Itoa(rulePriority), "lookup", table))
		}
	}
	for _, fam := range []int{4, 6} {
		if hasFamily(old, fam) {
			errs = append(errs, r.run.Run("ip", "-"+strconv.Itoa(fam), "route", "flush", "table", table))
		}
	}
	for _, p := range old.Addrs {
		errs = append(errs, r.run.Run("ip", family(p), "addr", "del", p.String(), "dev", old.Interface))
	}
	r.rules = map[int]bool{}
	r.applied = Config{}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("router cleanup: %w", err)
	}
	return nil
}

func family(p netip.Prefix) string {
	if p.Addr().Is4() {
		return "-4"
	}
	return "-6"
}

// families lists the address families that have routes, in order.
func families(cfg Config) []int {
	var out []int
	for _, fam := range []int{4, 6} {
		if hasFamily(Config{Routes: cfg.Routes, Exclude: cfg.Exclude}, fam) {
			out = append(out, fam)
		}
	}
	return out
}

func hasFamily(cfg Config, fam int) bool {
	for _, set := range [][]netip.Prefix{cfg.Routes, cfg.Exclude} {
		for _, p := range set {
			if p.Addr().Is4() == (fam == 4) {
				return true
			}
		}
	}
	return false
}
