package server

import (
	"fmt"
	"net/netip"

	"golang.zx2c4.com/wireguard/tun"

	"flexvpn/platform/router"
	"flexvpn/platform/tunif"
)

// openTUN returns the injected TUN or creates the configured one (with
// the system router to address it).
func (s *Server) openTUN(cfg *Config, opts Options) (tun.Device, error) {
	s.router = opts.Router
	s.tunName = cfg.Interface
	if opts.TUN != nil {
		return opts.TUN, nil
	}
	t, err := tunif.Create(cfg.Interface, opts.MTU)
	if err != nil {
		return nil, fmt.Errorf("TUN %s: %w", cfg.Interface, err)
	}
	if n, err := t.Name(); err == nil && n != "" {
		s.tunName = n
	}
	if s.router == nil {
		s.router = router.New(router.ExecRunner{})
	}
	return t, nil
}

// applyRoutes gives the TUN the pools' gateway addresses and routes the
// pools to it; which client behind the TUN gets a packet is the Link's
// outbound table, so no per-client kernel route is needed.
func (s *Server) applyRoutes(cfg *Config) error {
	if s.router == nil {
		return nil
	}
	name := s.tunName
	rc := TUNRoutes(cfg)
	rc.Interface = name
	if err := s.router.Set(rc); err != nil {
		return fmt.Errorf("routes on %s: %w", name, err)
	}
	return nil
}

// TUNRoutes is the kernel state the server wants on its TUN: each pool's
// gateway address (a host address) and each pool's prefix.
func TUNRoutes(cfg *Config) router.Config {
	var rc router.Config
	for _, name := range cfg.Pools.names() {
		p := cfg.Pools[name]
		if gw := p.Gateway(); gw.IsValid() {
			rc.Addrs = append(rc.Addrs, netip.PrefixFrom(gw, gw.BitLen()))
		}
		rc.Routes = append(rc.Routes, p.Prefix())
	}
	return rc
}
