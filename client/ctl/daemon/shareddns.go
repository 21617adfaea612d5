package daemon

import (
	"errors"
	"net/netip"
	"slices"
	"sync"

	"flexvpn/dnsproxy"
	"flexvpn/platform/dnsconfig"
)

// Proxy is the split-DNS proxy (*dnsproxy.Proxy).
type Proxy interface {
	Set(cfg dnsproxy.Config) error
	Close() error
}

// SharedDNS merges the DNS routes of every connected profile into one
// proxy and points the system resolver at it while any profile needs it:
// the system has one resolver configuration, so tunnels must share it.
// The zero value (no Proxy, no Resolver) only records, for tests.
type SharedDNS struct {
	Proxy    Proxy
	Resolver dnsconfig.Configurator
	Listen   netip.AddrPort

	mu    sync.Mutex
	seq   int
	users map[string]dnsUser
}

type dnsUser struct {
	seq     int
	routes  []dnsproxy.Route
	search  []string
	primary bool // owns the default route: its "." route wins
}

// Saved returns the resolvers the system had before any tunnel.
func (s *SharedDNS) Saved() []netip.AddrPort {
	if s.Resolver == nil {
		return nil
	}
	return s.Resolver.Saved()
}

// Set records profile name's routes and applies the merged state.
func (s *SharedDNS) Set(name string, routes []dnsproxy.Route, search []string, primary bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.users == nil {
		s.users = map[string]dnsUser{}
	}
	u, ok := s.users[name]
	if !ok {
		s.seq++
		u.seq = s.seq
	}
	u.routes, u.search, u.primary = routes, search, primary
	s.users[name] = u
	return s.applyLocked()
}

// Remove forgets profile name and applies what is left.
func (s *SharedDNS) Remove(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[name]; !ok {
		return nil
	}
	delete(s.users, name)
	return s.applyLocked()
}

// Routes returns the merged routes (for status and tests).
func (s *SharedDNS) Routes() []dnsproxy.Route {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, _ := s.mergeLocked()
	return r
}

func (s *SharedDNS) applyLocked() error {
	routes, search := s.mergeLocked()
	if len(routes) == 0 {
		return s.clearLocked()
	}
	if s.Proxy == nil || s.Resolver == nil {
		return nil
	}
	if err := s.Proxy.Set(dnsproxy.Config{Listen: []netip.AddrPort{s.Listen}, Routes: routes}); err != nil {
		return err
	}
	return s.Resolver.Set(dnsconfig.Config{Nameservers: []netip.Addr{s.Listen.Addr()}, Search: search})
}

// clearLocked restores the resolver first, so no query reaches a proxy
// that is going away.
func (s *SharedDNS) clearLocked() error {
	if s.Proxy == nil || s.Resolver == nil {
		return nil
	}
	return errors.Join(s.Resolver.Set(dnsconfig.Config{}), s.Proxy.Close())
}

// mergeLocked: the default-route owner first, then in the order profiles
// came up; for each suffix the first profile that routes it wins.
func (s *SharedDNS) mergeLocked() ([]dnsproxy.Route, []string) {
	users := make([]dnsUser, 0, len(s.users))
	for _, u := range s.users {
		users = append(users, u)
	}
	slices.SortFunc(users, func(a, b dnsUser) int {
		if a.primary != b.primary {
			if a.primary {
				return -1
			}
			return 1
		}
		return a.seq - b.seq
	})
	var routes []dnsproxy.Route
	var search []string
	seen := map[string]bool{}
	for _, u := range users {
		for _, r := range u.routes {
			if !seen[r.Suffix] {
				seen[r.Suffix] = true
				routes = append(routes, r)
			}
		}
		for _, d := range u.search {
			if !slices.Contains(search, d) {
				search = append(search, d)
			}
		}
	}
	return routes, search
}
