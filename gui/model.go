package gui

import (
	"log/slog"
	"sync"
	"time"

	"flexvpn/client/ctl"
)

// Defaults of Options.
const (
	DefaultRetryMin  = time.Second
	DefaultRetryMax  = 15 * time.Second
	DefaultOpTimeout = 10 * time.Second
)

// Options configure a Model.
type Options struct {
	// Client talks to the daemon; its Path is the control socket.
	Client *ctl.Client
	Logger *slog.Logger
	// Banner reads the gateway's banner from a profile's status; nil
	// means the status's Banner (what the daemon got in the CP reply).
	Banner func(ctl.Status) string
	// RetryMin and RetryMax bound the wait before watching again after
	// the daemon went away or refused us (doubling in between).
	RetryMin, RetryMax time.Duration
	// OpTimeout bounds one up, down or trace request.
	OpTimeout time.Duration
}

// Model follows the daemon and holds what the views show. Its methods
// are safe for concurrent use; listeners registered with OnChange are
// called (from the model's goroutines) after every change.
type Model struct {
	opt Options
	log *slog.Logger

	mu        sync.Mutex
	profiles  []Profile
	mem       map[string]*memory
	problem   error
	listeners []func()
}

// NewModel returns a model for the daemon behind opt.Client; call Run to
// start following it.
func NewModel(opt Options) *Model {
	if opt.Client == nil {
		opt.Client = &ctl.Client{}
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Banner == nil {
		opt.Banner = func(s ctl.Status) string { return s.Banner }
	}
	if opt.RetryMin <= 0 {
		opt.RetryMin = DefaultRetryMin
	}
	if opt.RetryMax < opt.RetryMin {
		opt.RetryMax = max(DefaultRetryMax, opt.RetryMin)
	}
	if opt.OpTimeout <= 0 {
		opt.OpTimeout = DefaultOpTimeout
	}
	return &Model{opt: opt, log: opt.Logger, mem: map[string]*memory{}}
}

// OnChange registers fn to be called after every change of the model.
func (m *Model) OnChange(fn func()) {
	m.mu.Lock()
	m.listeners = append(m.listeners, fn)
	m.mu.Unlock()
}

// Profiles returns the profiles as last reported, sorted as the daemon
// sends them (by name).
func (m *Model) Profiles() []Profile {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Profile, len(m.profiles))
	copy(out, m.profiles)
	return out
}

// Profile returns the named profile.
func (m *Model) Profile(name string) (Profile, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range m.profiles {
		if p.Name == name {
			return p, true
		}
	}
	return Profile{}, false
}

// Problem is why the model cannot follow the daemon (ErrNoDaemon,
// ErrNotAllowed, ...), or nil while it does.
func (m *Model) Problem() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.problem
}

func (m *Model) path() string {
	if m.opt.Client.Path == "" {
		return ctl.DefaultSocket
	}
	return m.opt.Client.Path
}

// changed calls the listeners; never with m.mu held, since a listener
// reads the model.
func (m *Model) changed() {
	m.mu.Lock()
	ls := append([]func(){}, m.listeners...)
	m.mu.Unlock()
	for _, fn := range ls {
		fn()
	}
}
