package daemon

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"flexvpn/client"
	"flexvpn/client/track"
)

// slowProfile is trackedProfile with the object probed every 4 s, so
// its probe timeout (3 s) is well above the fake probes' delays.
func slowProfile(t *testing.T, dir, name string, peers ...string) {
	t.Helper()
	trackedProfile(t, dir, name, `connect = "manual"`, peers...)
	path := filepath.Join(dir, name+".toml")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	src = []byte(strings.Replace(string(src), `interval = "100ms"`, `interval = "4s"`, 1))
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
}

// delayedProber answers every probe with result after delay.
func delayedProber(delay time.Duration, result error) func(track.Object) (track.Prober, error) {
	return func(track.Object) (track.Prober, error) {
		return track.ProbeFunc(func(ctx context.Context) error {
			select {
			case <-time.After(delay):
				return result
			case <-ctx.Done():
				return ctx.Err()
			}
		}), nil
	}
}

func probeDaemon(t *testing.T, dir string, prober func(track.Object) (track.Prober, error), dialer *fakeDialer) *Daemon {
	t.Helper()
	d := New(Config{
		Dir:       dir,
		NewProber: prober,
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

// TestUpWaitsForFirstProbe: `up` of a manual profile whose only gateway
// is tracked, given before the object's first result, connects once the
// result (up) arrives instead of failing with no gateway eligible.
func TestUpWaitsForFirstProbe(t *testing.T) {
	dir := t.TempDir()
	slowProfile(t, dir, "lab", `host = "192.0.2.1"`+"\ntrack = \"uplink up\"")
	dialer := &fakeDialer{}
	d := probeDaemon(t, dir, delayedProber(300*time.Millisecond, nil), dialer)

	if st := status(t, d, "lab"); len(st.Track) != 1 || st.Track[0].State != "unknown" {
		t.Fatalf("object already decided before up: %+v", st.Track)
	}
	start := time.Now()
	if err := d.Up("lab"); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 3*time.Second+resultSlack+time.Second {
		t.Errorf("up waited %v, past the probe timeout", took)
	}
	waitFor(t, "connected or failed", func() bool {
		s := status(t, d, "lab").State
		return s == "connected" || s == "failed"
	})
	if st := status(t, d, "lab"); st.State != "connected" {
		t.Fatalf("state %s (%s), want connected", st.State, st.LastError)
	}
	if got := dialer.dialed(); len(got) != 1 || !strings.HasPrefix(got[0], "192.0.2.1") {
		t.Errorf("dialed %v", got)
	}
}

// TestUpFailsWhenObjectDown: the wait ends with the first result, and a
// down object still fails the manual profile (no gateway is eligible).
func TestUpFailsWhenObjectDown(t *testing.T) {
	dir := t.TempDir()
	slowProfile(t, dir, "lab", `host = "192.0.2.1"`+"\ntrack = \"uplink up\"")
	dialer := &fakeDialer{}
	d := probeDaemon(t, dir, delayedProber(200*time.Millisecond, errors.New("connection refused")), dialer)

	start := time.Now()
	if err := d.Up("lab"); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("up waited %v after the object was known down", took)
	}
	waitFor(t, "failed", func() bool { return status(t, d, "lab").State == "failed" })
	if st := status(t, d, "lab"); !strings.Contains(st.LastError, "eligible") {
		t.Errorf("failed with %q, want no gateway eligible", st.LastError)
	}
	if got := dialer.dialed(); len(got) != 0 {
		t.Errorf("dialed %v while the object is down", got)
	}
}

// TestUpNoWaitWithUntrackedPeer: a gateway without an object is eligible
// at once, so up does not wait for anyone's probe.
func TestUpNoWaitWithUntrackedPeer(t *testing.T) {
	dir := t.TempDir()
	slowProfile(t, dir, "lab", `host = "192.0.2.1"`+"\ntrack = \"uplink up\"", `host = "192.0.2.2"`)
	dialer := &fakeDialer{}
	d := probeDaemon(t, dir, delayedProber(2*time.Second, nil), dialer)

	start := time.Now()
	if err := d.Up("lab"); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("up waited %v though a gateway was eligible", took)
	}
	waitFor(t, "connected", func() bool { return status(t, d, "lab").State == "connected" })
}
