package daemon

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"flexvpn/client"
	"flexvpn/client/ctl"
	"flexvpn/client/profile"
	"flexvpn/client/track"
)

// trackedProfile is a PSK profile with one object "uplink" probed every
// 100 ms that a single failure takes down.
func trackedProfile(t *testing.T, dir, name, head string, peers ...string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "psk.secrets"), []byte("psk = \"sesame\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	src := "name = \"" + name + "\"\n" + head + "\n"
	for _, p := range peers {
		src += "[[peer]]\n" + p + "\n"
	}
	src += `[auth]
method = "psk"
identity = "r1@example.com"
secrets_file = "psk.secrets"

[[track_object]]
name = "uplink"
probe = "tcp"
target = "192.0.2.99:443"
interval = "100ms"
threshold = 1
`
	if err := os.WriteFile(filepath.Join(dir, name+".toml"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

// switchProber answers every object's probe from up.
func switchProber(up *atomic.Bool) func(track.Object) (track.Prober, error) {
	return func(track.Object) (track.Prober, error) {
		return track.ProbeFunc(func(context.Context) error {
			if up.Load() {
				return nil
			}
			return errors.New("connection refused")
		}), nil
	}
}

// connDaemon runs real client.Conns over the fake dialer.
func connDaemon(t *testing.T, dir string, up *atomic.Bool, dialer *fakeDialer) *Daemon {
	d := New(Config{
		Dir:       dir,
		NewProber: switchProber(up),
		Factory: func(b Build) (Tunnel, error) {
			return client.NewConn(client.ConnConfig{
				Profile: b.Profile, Dialer: b.WrapDialer(dialer), Resolver: literalResolver{},
				Applier: b.Applier, Trace: b.Trace, Logger: b.Logger, Eligible: b.Eligible,
				BackoffMin: 10 * time.Millisecond, BackoffMax: 20 * time.Millisecond,
			}), nil
		},
	})
	t.Cleanup(func() { d.Shutdown() })
	if errs := d.Reload(); len(errs) != 0 {
		t.Fatal(errs)
	}
	return d
}

func status(t *testing.T, d *Daemon, name string) ctl.Status {
	t.Helper()
	st, err := d.Status(name, false)
	if err != nil {
		t.Fatal(err)
	}
	return st[0]
}

func (d *fakeDialer) dialed() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, t := range d.targets {
		out = append(out, t.Addr.String())
	}
	return out
}

// TestTrackProfileFollowsObject: a connect = "track" profile waits for
// its object, connects when it comes up and goes idle when it goes down
// (without counting as the user's down), and again.
func TestTrackProfileFollowsObject(t *testing.T) {
	dir := t.TempDir()
	trackedProfile(t, dir, "backup", "connect = \"track\"\ntrack = \"uplink up\"", `host = "192.0.2.1"`)
	var up atomic.Bool
	dialer := &fakeDialer{}
	d := connDaemon(t, dir, &up, dialer)

	waitFor(t, "object known down", func() bool {
		tr := status(t, d, "backup").Track
		return len(tr) == 1 && tr[0].Name == "uplink" && tr[0].State == "down"
	})
	if st := status(t, d, "backup"); st.State != "idle" || len(dialer.dialed()) != 0 {
		t.Fatalf("started while its object is down: %+v, dials %v", st, dialer.dialed())
	}
	up.Store(true)
	waitFor(t, "connected once the object is up", func() bool { return status(t, d, "backup").State == "connected" })
	st := status(t, d, "backup")
	if st.Track[0].State != "up" || st.Track[0].Reason == "" {
		t.Errorf("track status %+v", st.Track)
	}
	up.Store(false)
	waitFor(t, "idle once the object is down", func() bool {
		d.mu.Lock()
		r := d.profiles["backup"].run
		d.mu.Unlock()
		return r.finished() && status(t, d, "backup").State == "idle"
	})
	if st := status(t, d, "backup"); st.Track[0].LastError != "connection refused" {
		t.Errorf("track status %+v lacks the probe's error", st.Track)
	}
	d.mu.Lock()
	downAt := d.profiles["backup"].run.downAt
	d.mu.Unlock()
	if !downAt.IsZero() {
		t.Error("a stop by the tracker was recorded as the user's down")
	}
	up.Store(true)
	waitFor(t, "connected again", func() bool { return status(t, d, "backup").State == "connected" })
}

// TestTrackedGatewayLeftWhenObjectDown: an auto profile's first gateway
// is tied to the object; when it goes down the tunnel moves to the
// second gateway, and back when it comes up.
func TestTrackedGatewayLeftWhenObjectDown(t *testing.T) {
	dir := t.TempDir()
	trackedProfile(t, dir, "corp", `connect = "auto"`,
		"host = \"192.0.2.1\"\ntrack = \"uplink\"", `host = "192.0.2.2"`)
	var up atomic.Bool
	up.Store(true)
	dialer := &fakeDialer{}
	d := connDaemon(t, dir, &up, dialer)

	gateway := func(gw string) func() bool {
		return func() bool { st := status(t, d, "corp"); return st.State == "connected" && st.Gateway == gw }
	}
	// Before the first probe the tracked gateway is not eligible: the
	// client may start on the second one and move back.
	waitFor(t, "connected to the tracked gateway", gateway("192.0.2.1"))
	up.Store(false)
	waitFor(t, "moved to the second gateway", gateway("192.0.2.2"))
	up.Store(true)
	waitFor(t, "back on the tracked gateway", gateway("192.0.2.1"))
	dials := dialer.dialed()
	if n := len(dials); n < 3 || dials[n-1] != "192.0.2.1" || dials[n-2] != "192.0.2.2" {
		t.Errorf("dials %v", dials)
	}
}

func TestLoadDirRejectsBadTrackObject(t *testing.T) {
	dir := t.TempDir()
	trackedProfile(t, dir, "corp", `connect = "auto"`, `host = "192.0.2.1"`)
	path := filepath.Join(dir, "corp.toml")
	src := strings.Replace(mustRead(t, path), `target = "192.0.2.99:443"`, `target = "192.0.2.99"`, 1)
	os.WriteFile(path, []byte(src), 0o644)
	got, errs := LoadDir(dir, profile.Load)
	if len(got) != 0 || len(errs) != 1 {
		t.Fatalf("loaded %v, errors %v", got, errs)
	}
	// [[track_object]] is line 10 of the file trackedProfile writes.
	if msg := errs[0].Error(); !strings.Contains(msg, path+":10:") || !strings.Contains(msg, "needs a port") {
		t.Errorf("error %q does not name the object's line and the fix", msg)
	}
	if !brokenFiles(errs)[path] {
		t.Error("a broken track object would make Reload drop the running profile")
	}
}

// TestTrackProfileFollowsRealTCPProbe: the real TCP probe against a
// loopback listener drives a connect = "track" profile: up while the
// listener accepts, idle once it is closed, up again when it is back.
func TestTrackProfileFollowsRealTCPProbe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	dir := t.TempDir()
	trackedProfile(t, dir, "backup", "connect = \"track\"\ntrack = \"uplink up\"", `host = "192.0.2.1"`)
	path := filepath.Join(dir, "backup.toml")
	os.WriteFile(path, []byte(strings.Replace(mustRead(t, path), "192.0.2.99:443", addr, 1)), 0o644)
	dialer := &fakeDialer{}
	d := New(Config{
		Dir: dir,
		Factory: func(b Build) (Tunnel, error) {
			return client.NewConn(client.ConnConfig{
				Profile: b.Profile, Dialer: b.WrapDialer(dialer), Resolver: literalResolver{},
				Applier: b.Applier, Trace: b.Trace, Logger: b.Logger, Eligible: b.Eligible,
			}), nil
		},
	})
	t.Cleanup(func() { d.Shutdown() })
	if errs := d.Reload(); len(errs) != 0 {
		t.Fatal(errs)
	}
	waitFor(t, "connected while the target accepts", func() bool { return status(t, d, "backup").State == "connected" })
	ln.Close()
	waitFor(t, "idle once the target refuses", func() bool {
		st := status(t, d, "backup")
		return st.State == "idle" && st.Track[0].State == "down"
	})
	if ln, err = net.Listen("tcp", addr); err != nil {
		t.Skipf("cannot listen on %s again: %v", addr, err)
	}
	defer ln.Close()
	waitFor(t, "connected again", func() bool { return status(t, d, "backup").State == "connected" })
}
