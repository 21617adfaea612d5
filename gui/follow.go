package gui

import (
	"context"
	"time"

	"flexvpn/client/ctl"
)

// Run follows the daemon's watch stream until ctx ends. When the daemon
// is not there or refuses us, the problem is shown and the watch is tried
// again after a growing pause: the stream pushes changes, so nothing is
// polled while it runs.
func (m *Model) Run(ctx context.Context) {
	wait := m.opt.RetryMin
	for ctx.Err() == nil {
		err := m.opt.Client.Watch(ctx, "", func(st []ctl.Status) error {
			wait = m.opt.RetryMin
			m.apply(st)
			return nil
		})
		if ctx.Err() != nil {
			return
		}
		m.lost(explain(err, m.path()))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, m.opt.RetryMax)
	}
}

// apply takes one status snapshot of all profiles.
func (m *Model) apply(st []ctl.Status) {
	m.mu.Lock()
	seen := make(map[string]bool, len(st))
	ps := make([]Profile, 0, len(st))
	for _, s := range st {
		mem := m.mem[s.Profile]
		if mem == nil {
			mem = &memory{}
			m.mem[s.Profile] = mem
		}
		seen[s.Profile] = true
		ps = append(ps, profileFrom(s, mem, m.opt.Banner))
	}
	for name := range m.mem {
		if !seen[name] {
			delete(m.mem, name)
		}
	}
	m.profiles, m.problem = ps, nil
	m.mu.Unlock()
	m.changed()
}

// lost records that the stream ended with err. The profiles are dropped:
// without the daemon their last state would be a guess.
func (m *Model) lost(err error) {
	if err == nil {
		return
	}
	m.log.Info("control socket", "err", err)
	m.mu.Lock()
	m.profiles, m.problem = nil, err
	m.mu.Unlock()
	m.changed()
}
