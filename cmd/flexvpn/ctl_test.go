package main

import (
	"context"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"flexvpn/client/ctl"
)

func TestPrintStatus(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.Local)
	st := []ctl.Status{
		{Profile: "branch", Connect: "auto", State: "connected", Gateway: "gw1.example.com", DefaultRoute: true,
			Addrs: []netip.Prefix{netip.MustParsePrefix("10.8.0.2/32")}, Since: now.Add(-90 * time.Second),
			LastError: "dpd timeout", PacketsIn: 12, BytesIn: 1536, PacketsOut: 3, BytesOut: 100,
			Trace: []ctl.Event{{Time: now.Add(-91 * time.Second), State: "connecting", Gateway: "gw1.example.com",
				Message: "banner\nwith lines", Err: "first try\nfailed"}}},
		{Profile: "lab", Connect: "manual", State: "idle"},
	}
	var b strings.Builder
	if err := printStatus(&b, st, now); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[0], "PROFILE") {
		t.Fatalf("no header: %q", lines[0])
	}
	for _, want := range []string{
		"connected (default route)", "08:58:30 (1m30s)", "gw1.example.com", "10.8.0.2/32",
		"  last error: dpd timeout",
		"  traffic: in 12 packets (1.5 KiB), out 3 packets (100 B)",
		"08:58:29  connecting  banner with lines  [gw1.example.com]: first try failed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if f := strings.Fields(lines[2]); len(f) != 6 || f[0] != "lab" || f[2] != "-" {
		t.Errorf("idle row %q", lines[2])
	}
	b.Reset()
	printStatus(&b, nil, now)
	if !strings.Contains(b.String(), "no profiles loaded") {
		t.Errorf("empty status: %q", b.String())
	}
}

func TestCtlFlagsAnyOrder(t *testing.T) {
	for _, args := range [][]string{{"corp", "--wait", "1m"}, {"--wait", "1m", "corp"}} {
		cf := newCtlFlags("up")
		wait := cf.fs.Duration("wait", 0, "")
		pos, err := cf.parse(args)
		if err != nil || len(pos) != 1 || pos[0] != "corp" || *wait != time.Minute {
			t.Errorf("parse(%q) = %q, wait %v, %v", args, pos, *wait, err)
		}
	}
}

func TestSocketGroup(t *testing.T) {
	if _, err := socketGroup("no-such-group-flexvpn-test"); err == nil {
		t.Error("a missing explicit group was accepted")
	}
	if gid, err := socketGroup("root"); err != nil || gid != 0 {
		t.Errorf("root group: %d %v", gid, err)
	}
}

// scriptBackend answers status with the next state of a script.
type scriptBackend struct {
	mu      sync.Mutex
	states  []string
	lastErr string
}

func (b *scriptBackend) Up(string) error   { return nil }
func (b *scriptBackend) Down(string) error { return nil }
func (b *scriptBackend) Status(name string, _ bool) ([]ctl.Status, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.states[0]
	if len(b.states) > 1 {
		b.states = b.states[1:]
	}
	st := ctl.Status{Profile: name, State: s, Gateway: "gw1", LastError: b.lastErr}
	if s == "connected" {
		st.Addrs = []netip.Prefix{netip.MustParsePrefix("10.8.0.2/32")}
	}
	return []ctl.Status{st}, nil
}

func serveScript(t *testing.T, b *scriptBackend) *ctl.Client {
	path := filepath.Join(t.TempDir(), "ctl.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	srv := &ctl.Server{Backend: b}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return &ctl.Client{Path: path}
}

func TestWaitUp(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		states  []string
		lastErr string
		want    string // output on success, or error text
		ok      bool
	}{
		{[]string{"connecting", "connecting", "connected"}, "", "corp: connected via gw1 (10.8.0.2/32)\n", true},
		{[]string{"connecting", "failed"}, "AUTHENTICATION_FAILED", "corp is failed: AUTHENTICATION_FAILED", false},
		{[]string{"waiting"}, "no route", "corp still waiting after 50ms; last error: no route", false},
	}
	for _, c := range cases {
		cl := serveScript(t, &scriptBackend{states: c.states, lastErr: c.lastErr})
		var out strings.Builder
		err := waitUp(ctx, cl, "corp", 50*time.Millisecond, 5*time.Millisecond, &out)
		got := out.String()
		if err != nil {
			got = err.Error()
		}
		if (err == nil) != c.ok || !strings.Contains(got, c.want) {
			t.Errorf("states %v: got %q (err %v), want %q", c.states, got, err, c.want)
		}
	}
}
