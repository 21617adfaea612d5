package gui

import (
	"context"
	"errors"

	"flexvpn/client/ctl"
)

// Connect asks the daemon to start the profile. The error (also kept in
// the profile's ActionError) is one the user can act on.
func (m *Model) Connect(ctx context.Context, name string) error {
	return m.act(ctx, name, m.opt.Client.Up)
}

// Disconnect asks the daemon to stop the profile.
func (m *Model) Disconnect(ctx context.Context, name string) error {
	return m.act(ctx, name, m.opt.Client.Down)
}

// Toggle disconnects an active profile and connects any other: what the
// profile's big button does.
func (m *Model) Toggle(ctx context.Context, name string) error {
	if p, ok := m.Profile(name); ok && p.State.Active() {
		return m.Disconnect(ctx, name)
	}
	return m.Connect(ctx, name)
}

func (m *Model) act(ctx context.Context, name string, op func(context.Context, string) error) error {
	ctx, cancel := context.WithTimeout(ctx, m.opt.OpTimeout)
	defer cancel()
	err := explain(op(ctx, name), m.path())
	m.setAction(name, err)
	if errors.Is(err, ErrNoDaemon) || accessProblem(err) {
		m.lost(err)
	}
	return err
}

// setAction records the outcome of a click on the profile's view.
func (m *Model) setAction(name string, err error) {
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	m.mu.Lock()
	if mem := m.mem[name]; mem != nil {
		mem.action = msg
	}
	for i := range m.profiles {
		if m.profiles[i].Name == name {
			m.profiles[i].ActionError = msg
		}
	}
	m.mu.Unlock()
	m.changed()
}

// DismissBanner hides the profile's banner for the rest of its current
// connection.
func (m *Model) DismissBanner(name string) {
	m.mu.Lock()
	if mem := m.mem[name]; mem != nil {
		mem.banner = ""
	}
	for i := range m.profiles {
		if m.profiles[i].Name == name {
			m.profiles[i].Banner = ""
		}
	}
	m.mu.Unlock()
	m.changed()
}

// Trace fetches the profile's recent events, oldest first, for the
// details view (the watch stream carries no trace).
func (m *Model) Trace(ctx context.Context, name string) ([]ctl.Event, error) {
	ctx, cancel := context.WithTimeout(ctx, m.opt.OpTimeout)
	defer cancel()
	st, err := m.opt.Client.Status(ctx, name, true)
	if err != nil {
		return nil, explain(err, m.path())
	}
	if len(st) == 0 {
		return nil, ErrUnknownProfile
	}
	return st[0].Trace, nil
}
