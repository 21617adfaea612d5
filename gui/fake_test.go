package gui

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"flexvpn/client/ctl"
)

// fakeDaemon is a ctl.Backend with profiles the test sets directly; it
// records every up and down.
type fakeDaemon struct {
	mu    sync.Mutex
	st    map[string]ctl.Status
	trace map[string][]ctl.Event
	calls []string
	upErr error
	// gate, when set, holds every up until it is closed.
	gate chan struct{}
}

func newFakeDaemon(names ...string) *fakeDaemon {
	f := &fakeDaemon{st: map[string]ctl.Status{}, trace: map[string][]ctl.Event{}}
	for _, n := range names {
		f.st[n] = ctl.Status{Profile: n, Connect: "manual", State: "idle"}
	}
	return f
}

func (f *fakeDaemon) Up(name string) error {
	f.mu.Lock()
	gate := f.gate
	f.mu.Unlock()
	if gate != nil {
		<-gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "up "+name)
	s, ok := f.st[name]
	switch {
	case !ok:
		return fmt.Errorf("no such profile %q", name)
	case f.upErr != nil:
		return f.upErr
	}
	s.State, s.Since = "connecting", time.Now()
	f.st[name] = s
	return nil
}

func (f *fakeDaemon) Down(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "down "+name)
	s, ok := f.st[name]
	if !ok {
		return fmt.Errorf("no such profile %q", name)
	}
	s.State, s.Since, s.Addrs = "idle", time.Now(), nil
	f.st[name] = s
	return nil
}

func (f *fakeDaemon) Status(name string, trace bool) ([]ctl.Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []ctl.Status
	for n, s := range f.st {
		if name != "" && n != name {
			continue
		}
		if trace {
			s.Trace = slices.Clone(f.trace[n])
		}
		out = append(out, s)
	}
	if name != "" && len(out) == 0 {
		return nil, fmt.Errorf("no such profile %q", name)
	}
	slices.SortFunc(out, func(a, b ctl.Status) int { return strings.Compare(a.Profile, b.Profile) })
	return out, nil
}

// set changes a profile as the daemon would.
func (f *fakeDaemon) set(name string, change func(*ctl.Status)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.st[name]
	change(&s)
	f.st[name] = s
}

// setTrace replaces a profile's event trace.
func (f *fakeDaemon) setTrace(name string, ev []ctl.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.trace[name] = ev
}

// holdUp makes every up wait until the returned func is called.
func (f *fakeDaemon) holdUp() (release func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gate = make(chan struct{})
	return sync.OnceFunc(func() { close(f.gate) })
}

// failUp makes every up fail with err (nil: succeed again).
func (f *fakeDaemon) failUp(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.upErr = err
}

func (f *fakeDaemon) called() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// serveFake serves b on a unix socket at path until the test ends.
func serveFake(t *testing.T, b ctl.Backend, path string) {
	t.Helper()
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	srv := &ctl.Server{Backend: b, IdleTimeout: 10 * time.Second, WatchInterval: 5 * time.Millisecond}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
}

// socketPath is a fresh control socket path in a temp dir.
func socketPath(t *testing.T) string {
	return filepath.Join(t.TempDir(), "ctl.sock")
}

// runModel starts a model on path, stopped when the test ends; changes
// signals every model change.
func runModel(t *testing.T, path string, opt Options) (m *Model, changes chan struct{}) {
	t.Helper()
	opt.Client = &ctl.Client{Path: path}
	if opt.RetryMin == 0 {
		opt.RetryMin, opt.RetryMax = 10*time.Millisecond, 50*time.Millisecond
	}
	m = NewModel(opt)
	changes = make(chan struct{}, 1)
	m.OnChange(func() {
		select {
		case changes <- struct{}{}:
		default:
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		m.Run(ctx)
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return m, changes
}

// waitModel waits until cond holds for the model, failing after a
// generous timeout.
func waitModel(t *testing.T, m *Model, changes <-chan struct{}, what string, cond func(*Model) bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for !cond(m) {
		select {
		case <-changes:
		case <-deadline:
			t.Fatalf("timed out waiting for %s; profiles %+v, problem %v", what, m.Profiles(), m.Problem())
		}
	}
}

// stateIs is a waitModel condition: the named profile is in state s.
func stateIs(name string, s State) func(*Model) bool {
	return func(m *Model) bool {
		p, ok := m.Profile(name)
		return ok && p.State == s
	}
}

type errEx string

func (e errEx) Error() string { return string(e) }

// refuseAll closes every connection at once, as the daemon's peer check
// does for a user outside its group.
func refuseAll(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.Close()
	}
}
