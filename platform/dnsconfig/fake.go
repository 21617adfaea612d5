package dnsconfig

import (
	"net/netip"
	"sync"
)

// Fake records configs; Original is what Saved returns.
type Fake struct {
	mu       sync.Mutex
	Original []netip.AddrPort
	Configs  []Config
}

// Set records cfg.
func (f *Fake) Set(cfg Config) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Configs = append(f.Configs, cfg)
	return nil
}

// Saved returns Original.
func (f *Fake) Saved() []netip.AddrPort { return f.Original }

// Close records an empty config.
func (f *Fake) Close() error { return f.Set(Config{}) }
