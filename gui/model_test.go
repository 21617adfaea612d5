package gui

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"flexvpn/client/ctl"
)

func TestModelFollowsDaemon(t *testing.T) {
	d := newFakeDaemon("corp", "branch")
	path := socketPath(t)
	serveFake(t, d, path)
	m, changes := runModel(t, path, Options{})
	waitModel(t, m, changes, "both profiles idle", func(m *Model) bool {
		ps := m.Profiles()
		return len(ps) == 2 && ps[0].Name == "branch" && ps[1].State == StateIdle
	})

	since := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	addrs := []netip.Prefix{netip.MustParsePrefix("10.8.0.2/32"), netip.MustParsePrefix("2001:db8::2/128")}
	d.set("corp", func(s *ctl.Status) {
		s.State, s.Gateway, s.Addrs, s.Since = "connected", "gw1.example.com", addrs, since
		s.BytesIn, s.BytesOut, s.PacketsIn, s.PacketsOut, s.DefaultRoute = 1500, 700, 3, 2, true
	})
	waitModel(t, m, changes, "corp connected", stateIs("corp", StateConnected))
	p, _ := m.Profile("corp")
	want := Profile{Name: "corp", Connect: "manual", State: StateConnected, Gateway: "gw1.example.com",
		Addrs: addrs, DefaultRoute: true, Since: since, BytesIn: 1500, BytesOut: 700, PacketsIn: 3, PacketsOut: 2}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("profile\n got %+v\nwant %+v", p, want)
	}
	if m.Problem() != nil {
		t.Errorf("problem while following: %v", m.Problem())
	}
}

func TestModelReconnectingState(t *testing.T) {
	d := newFakeDaemon("corp")
	path := socketPath(t)
	serveFake(t, d, path)
	m, changes := runModel(t, path, Options{})
	steps := []struct {
		daemon string
		want   State
	}{
		{"connecting", StateConnecting}, // a fresh start is not a reconnect
		{"connected", StateConnected},
		{"connecting", StateReconnecting}, // tunnel lost
		{"waiting", StateReconnecting},
		{"connected", StateConnected},
		{"idle", StateIdle},
		{"connecting", StateConnecting}, // the user started it again
		{"failed", StateFailed},
		{"waiting", StateReconnecting},
	}
	for i, s := range steps {
		d.set("corp", func(st *ctl.Status) { st.State, st.Since = s.daemon, time.Unix(int64(i), 0) })
		waitModel(t, m, changes, "step "+s.daemon, func(m *Model) bool {
			p, ok := m.Profile("corp")
			return ok && p.Since.Equal(time.Unix(int64(i), 0))
		})
		if p, _ := m.Profile("corp"); p.State != s.want {
			t.Fatalf("step %d: daemon %s shown as %v, want %v", i, s.daemon, p.State, s.want)
		}
	}
}

func TestModelConnectCallsUpAndToggleDown(t *testing.T) {
	d := newFakeDaemon("corp")
	path := socketPath(t)
	serveFake(t, d, path)
	m, changes := runModel(t, path, Options{})
	waitModel(t, m, changes, "corp idle", stateIs("corp", StateIdle))
	ctx := context.Background()
	if err := m.Toggle(ctx, "corp"); err != nil {
		t.Fatal(err)
	}
	waitModel(t, m, changes, "corp connecting", stateIs("corp", StateConnecting))
	if err := m.Toggle(ctx, "corp"); err != nil {
		t.Fatal(err)
	}
	waitModel(t, m, changes, "corp idle again", stateIs("corp", StateIdle))
	if got, want := d.called(), []string{"up corp", "down corp"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("daemon saw %q, want %q", got, want)
	}
}

func TestModelActionErrors(t *testing.T) {
	d := newFakeDaemon("corp")
	path := socketPath(t)
	serveFake(t, d, path)
	m, changes := runModel(t, path, Options{})
	waitModel(t, m, changes, "corp idle", stateIs("corp", StateIdle))
	ctx := context.Background()

	err := m.Connect(ctx, "gone")
	if !errors.Is(err, ErrUnknownProfile) || !strings.Contains(err.Error(), `"gone"`) {
		t.Fatalf("up of a missing profile: %v", err)
	}
	d.failUp(errors.New("profile corp: secrets file /etc/flexvpn/corp.secret is readable by others"))
	err = m.Connect(ctx, "corp")
	if err == nil || strings.HasPrefix(err.Error(), "daemon:") || !strings.Contains(err.Error(), "readable by others") {
		t.Fatalf("refused up: %v", err)
	}
	if p, _ := m.Profile("corp"); p.ActionError != err.Error() {
		t.Fatalf("ActionError %q, want %q", p.ActionError, err)
	}
	d.failUp(nil)
	if err := m.Connect(ctx, "corp"); err != nil {
		t.Fatal(err)
	}
	if p, _ := m.Profile("corp"); p.ActionError != "" {
		t.Fatalf("ActionError kept after a good click: %q", p.ActionError)
	}
	// The next snapshot keeps the click's outcome too.
	waitModel(t, m, changes, "corp connecting", stateIs("corp", StateConnecting))
}

func TestModelNoDaemonThenDaemonStarts(t *testing.T) {
	path := socketPath(t)
	m, changes := runModel(t, path, Options{})
	waitModel(t, m, changes, "a problem", func(m *Model) bool { return m.Problem() != nil })
	if err := m.Problem(); !errors.Is(err, ErrNoDaemon) || !strings.Contains(err.Error(), "systemctl start flexvpn") {
		t.Fatalf("problem %v, want ErrNoDaemon", err)
	}
	if err := m.Connect(context.Background(), "corp"); !errors.Is(err, ErrNoDaemon) {
		t.Fatalf("connect without a daemon: %v", err)
	}
	serveFake(t, newFakeDaemon("corp"), path)
	waitModel(t, m, changes, "the daemon", func(m *Model) bool { return m.Problem() == nil && len(m.Profiles()) == 1 })
}

func TestModelDaemonGoesAway(t *testing.T) {
	path := socketPath(t)
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	srv := &ctl.Server{Backend: newFakeDaemon("corp"), WatchInterval: 5 * time.Millisecond}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	m, changes := runModel(t, path, Options{})
	waitModel(t, m, changes, "corp", stateIs("corp", StateIdle))
	srv.Close()
	waitModel(t, m, changes, "the daemon gone", func(m *Model) bool { return errors.Is(m.Problem(), ErrNoDaemon) })
	if ps := m.Profiles(); len(ps) != 0 {
		t.Fatalf("stale profiles kept without a daemon: %+v", ps)
	}
}

// TestModelNotAllowed: the daemon's peer check closes a connection from a
// user outside its group before reading; the model says how to get in.
func TestModelNotAllowed(t *testing.T) {
	path := socketPath(t)
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go refuseAll(ln)
	m, changes := runModel(t, path, Options{})
	waitModel(t, m, changes, "a problem", func(m *Model) bool { return m.Problem() != nil })
	err = m.Problem()
	if !errors.Is(err, ErrNotAllowed) || !strings.Contains(err.Error(), "add yourself to the flexvpn group") {
		t.Fatalf("problem %v, want ErrNotAllowed", err)
	}
}

func TestModelBannerOncePerConnection(t *testing.T) {
	d := newFakeDaemon("corp")
	path := socketPath(t)
	serveFake(t, d, path)
	banners := map[string]string{"gw1": "Welcome to gw1", "gw2": "Welcome to gw2"}
	m, changes := runModel(t, path, Options{Banner: func(s ctl.Status) string { return banners[s.Gateway] }})
	bannerIs := func(want string) func(*Model) bool {
		return func(m *Model) bool { p, _ := m.Profile("corp"); return p.Banner == want }
	}
	connect := func(gw string, at int64) {
		d.set("corp", func(s *ctl.Status) { s.State, s.Gateway, s.Since = "connected", gw, time.Unix(at, 0) })
	}
	connect("gw1", 1)
	waitModel(t, m, changes, "gw1 banner", bannerIs("Welcome to gw1"))
	m.DismissBanner("corp")
	// New snapshots of the same connection (traffic) do not bring it back.
	d.set("corp", func(s *ctl.Status) { s.BytesIn = 99 })
	waitModel(t, m, changes, "traffic", func(m *Model) bool { p, _ := m.Profile("corp"); return p.BytesIn == 99 })
	if p, _ := m.Profile("corp"); p.Banner != "" {
		t.Fatalf("dismissed banner shown again: %q", p.Banner)
	}
	// A new connection shows its banner again.
	d.set("corp", func(s *ctl.Status) { s.State = "waiting" })
	waitModel(t, m, changes, "reconnecting", stateIs("corp", StateReconnecting))
	connect("gw2", 2)
	waitModel(t, m, changes, "gw2 banner", bannerIs("Welcome to gw2"))
}

func TestModelTrace(t *testing.T) {
	d := newFakeDaemon("corp")
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	d.trace["corp"] = []ctl.Event{
		{Time: at, State: "connecting", Gateway: "gw1", Message: "connecting"},
		{Time: at.Add(time.Second), State: "failed", Gateway: "gw1", Message: "not retrying", Err: "wrong username or password"},
	}
	path := socketPath(t)
	serveFake(t, d, path)
	m := NewModel(Options{Client: &ctl.Client{Path: path}})
	ev, err := m.Trace(context.Background(), "corp")
	if err != nil || !reflect.DeepEqual(ev, d.trace["corp"]) {
		t.Fatalf("trace %+v, %v", ev, err)
	}
	if _, err := m.Trace(context.Background(), "nope"); !errors.Is(err, ErrUnknownProfile) {
		t.Fatalf("trace of a missing profile: %v", err)
	}
}

func TestFailureText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"IKE_AUTH: wrong username or password (MS-CHAPv2 error 691)", "rejected the user name or password"},
		{"ike: no proposal chosen", "legacy algorithms"},
		{"ike: authentication failed: pre-shared key mismatch", "pre-shared key was refused"},
		{"gateway name did not resolve", "gateway name did not resolve"},
	}
	for _, c := range cases {
		got := failureText(c.in)
		if c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("failureText(%q) = %q, want it to say %q", c.in, got, c.want)
		}
	}
}

// TestModelBannerFromDaemonStatus: without an Options.Banner the model
// shows the banner the daemon reports in the profile's status.
func TestModelBannerFromDaemonStatus(t *testing.T) {
	d := newFakeDaemon("corp")
	path := socketPath(t)
	serveFake(t, d, path)
	m, changes := runModel(t, path, Options{})
	d.set("corp", func(s *ctl.Status) {
		s.State, s.Gateway, s.Since, s.Banner = "connected", "gw1", time.Unix(1, 0), "Authorized use only."
	})
	waitModel(t, m, changes, "the daemon's banner", func(m *Model) bool {
		p, _ := m.Profile("corp")
		return p.Banner == "Authorized use only."
	})
}
