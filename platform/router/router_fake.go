package router

import "sync"

// Fake is a Router that records the configs it was given.
type Fake struct {
	mu      sync.Mutex
	Configs []Config
	Closed  bool
}

// Set records cfg.
func (f *Fake) Set(cfg Config) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Configs = append(f.Configs, cfg)
	return nil
}

// Close marks the fake closed.
func (f *Fake) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Closed = true
	return nil
}

// Current returns the last config set, or the zero Config.
func (f *Fake) Current() Config {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.Configs) == 0 {
		return Config{}
	}
	return f.Configs[len(f.Configs)-1]
}
