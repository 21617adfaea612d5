package client

import (
	"errors"
	"net/netip"
	"sync"

	"flexvpn/client/profile"
	"flexvpn/dnsproxy"
	"flexvpn/platform/dnsconfig"
	"flexvpn/platform/router"
)

// PlatformApplier applies desired states with the OS router, the OS
// resolver configuration and the split-DNS proxy. cmd/flexvpn wires the
// concrete implementations in.
//
// The Conn calls Apply once per established session, and every session
// brings a fresh TUN device: addresses and device routes of the previous
// one vanished with it, so the router's record of what it applied is
// stale and is reset first.
type PlatformApplier struct {
	Profile   *profile.Profile
	Interface string
	MTU       int
	Router    router.Router
	Resolver  dnsconfig.Configurator
	Proxy     *dnsproxy.Proxy
	// ProxyAddr is where the proxy listens for the system (e.g. 127.0.0.54:53).
	ProxyAddr netip.AddrPort

	mu      sync.Mutex
	saved   []netip.AddrPort
	applied bool // a previous session's state is in the router
}

// Apply implements Applier.
func (a *PlatformApplier) Apply(gateway netip.Addr, r Reply) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.saved == nil {
		a.saved = a.Resolver.Saved()
	}
	d := ComputeDesired(a.Profile, a.Interface, a.MTU, gateway, r, a.saved)
	if a.applied {
		// Errors are expected here: the old device is gone, and with it
		// what the router would delete.
		_ = a.Router.Set(router.Config{})
	}
	a.applied = true
	if err := a.Router.Set(d.Router); err != nil {
		return err
	}
	if len(d.DNS) == 0 {
		return nil
	}
	if err := a.Proxy.Set(dnsproxy.Config{Listen: []netip.AddrPort{a.ProxyAddr}, Routes: d.DNS}); err != nil {
		return err
	}
	var search []string
	if r.DefaultDomain != "" {
		search = []string{r.DefaultDomain}
	}
	return a.Resolver.Set(dnsconfig.Config{Nameservers: []netip.Addr{a.ProxyAddr.Addr()}, Search: search})
}

// Clear implements Applier: the resolver first, so no query reaches a
// proxy that is going away.
func (a *PlatformApplier) Clear() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.applied = false
	return errors.Join(a.Resolver.Set(dnsconfig.Config{}), a.Proxy.Close(), a.Router.Set(router.Config{}))
}
