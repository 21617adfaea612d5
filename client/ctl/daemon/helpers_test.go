package daemon

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"flexvpn/client"
	"flexvpn/platform/router"
)

// writeProfile writes dir/name.toml; accept limits the routes (empty: the
// gateway's full tunnel is accepted).
func writeProfile(t *testing.T, dir, name, connect, host string) string {
	t.Helper()
	secrets := filepath.Join(dir, "psk.secrets")
	if _, err := os.Stat(secrets); err != nil {
		if err := os.WriteFile(secrets, []byte("psk = \"sesame\"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	src := fmt.Sprintf(`name = %q
connect = %q

[[peer]]
host = %q

[auth]
method = "psk"
identity = "%s@example.com"
secrets_file = "psk.secrets"
`, name, connect, host, name)
	path := filepath.Join(dir, name+".toml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// fakeTunnel plays a connection: it applies reply (when set) as if a
// gateway had answered, stays up until cancelled, then clears.
type fakeTunnel struct {
	b     Build
	reply *client.Reply

	mu    sync.Mutex
	state client.State
}

func (f *fakeTunnel) set(s client.State, msg string, err error) {
	f.mu.Lock()
	f.state = s
	f.mu.Unlock()
	ev := client.TraceEvent{Time: time.Now(), State: s, Gateway: f.b.Profile.Peers[0].Host, Message: msg}
	if err != nil {
		ev.Err = err.Error()
	}
	f.b.Trace.Add(ev)
}

func (f *fakeTunnel) State() client.State {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.state
}

func (f *fakeTunnel) Run(ctx context.Context) error {
	defer f.b.Applier.Clear()
	f.set(client.StateConnecting, "connecting", nil)
	if f.reply != nil {
		gw := netip.MustParseAddr(f.b.Profile.Peers[0].Host)
		if err := f.b.Applier.Apply(gw, *f.reply); err != nil {
			f.set(client.StateConnecting, "could not apply routes and DNS", err)
		} else {
			f.set(client.StateConnected, "connected", nil)
		}
	}
	<-ctx.Done()
	f.set(client.StateIdle, "disconnected", nil)
	return nil
}

// harness is a daemon over fake tunnels and fake routers.
type harness struct {
	d   *Daemon
	dir string

	mu      sync.Mutex
	builds  []Build
	routers []*router.Fake
	reply   func(name string) *client.Reply
}

func newHarness(t *testing.T) *harness {
	h := &harness{dir: t.TempDir()}
	h.reply = func(string) *client.Reply { return nil }
	h.d = New(Config{
		Dir: h.dir,
		Factory: func(b Build) (Tunnel, error) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.builds = append(h.builds, b)
			return &fakeTunnel{b: b, reply: h.reply(b.Profile.Name)}, nil
		},
		NewRouter: func() router.Router {
			h.mu.Lock()
			defer h.mu.Unlock()
			r := &router.Fake{}
			h.routers = append(h.routers, r)
			return r
		},
	})
	t.Cleanup(func() { h.d.Shutdown() })
	return h
}

func (h *harness) buildsOf(name string) []Build {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []Build
	for _, b := range h.builds {
		if b.Profile.Name == name {
			out = append(out, b)
		}
	}
	return out
}

// state returns a profile's state as the control API reports it.
func (h *harness) state(t *testing.T, name string) string {
	t.Helper()
	st, err := h.d.Status(name, false)
	if err != nil {
		t.Fatal(err)
	}
	return st[0].State
}

// waitFor polls cond for up to 10 s: tunnels run on their own goroutines.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func fullTunnel(addr string) *client.Reply {
	return &client.Reply{Addrs: []netip.Prefix{netip.MustParsePrefix(addr + "/32")}}
}

func splitTunnel(addr, subnet string) *client.Reply {
	r := fullTunnel(addr)
	r.Subnets = []netip.Prefix{netip.MustParsePrefix(subnet)}
	return r
}

// fakeSession is an established tunnel that lasts until closed.
type fakeSession struct {
	reply client.Reply
	once  sync.Once
	done  chan struct{}
}

func (s *fakeSession) Reply() client.Reply { return s.reply }

func (s *fakeSession) Counters() client.Counters {
	return client.Counters{PacketsIn: 3, BytesIn: 300, PacketsOut: 4, BytesOut: 400}
}

func (s *fakeSession) KeyExchange() string { return "x25519 + ML-KEM-768" }

func (s *fakeSession) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-s.done:
		return errors.New("closed")
	}
}

func (s *fakeSession) Close(context.Context) error {
	s.once.Do(func() { close(s.done) })
	return nil
}

// fakeDialer "connects" to any gateway at once with a full tunnel.
type fakeDialer struct {
	mu      sync.Mutex
	targets []client.Target
	times   []time.Time
}

func (d *fakeDialer) Dial(ctx context.Context, t client.Target) (client.Session, error) {
	d.mu.Lock()
	d.targets = append(d.targets, t)
	d.times = append(d.times, time.Now())
	d.mu.Unlock()
	reply := client.Reply{Addrs: []netip.Prefix{netip.MustParsePrefix("10.8.0.2/32")}}
	return &fakeSession{reply: reply, done: make(chan struct{})}, nil
}

type literalResolver struct{}

func (literalResolver) Resolve(_ context.Context, host string) (netip.Addr, error) {
	return netip.ParseAddr(host)
}
