// Package dnsconfig points the operating system's resolver at the
// client's split-DNS proxy while a tunnel is up, and puts the original
// configuration back afterwards, including after a crash (Restore, called
// by `flexvpn cleanup` and at daemon start).
//
// The resolv.conf implementation works everywhere on Linux and OpenWrt;
// systemd-resolved per-link DNS and the other OSes come later.
package dnsconfig

import "net/netip"

// Config is the resolver state wanted while the tunnel is up.
type Config struct {
	// Nameservers the system should ask (the local proxy).
	Nameservers []netip.Addr
	// Search domains (the gateway's default domain).
	Search []string
}

// Configurator applies Configs to the OS resolver.
type Configurator interface {
	// Set applies cfg; an empty Config restores the original.
	Set(cfg Config) error
	// Saved returns the resolvers the system used before the first Set,
	// which the proxy forwards non-tunnel names to.
	Saved() []netip.AddrPort
	// Close restores the original configuration.
	Close() error
}
