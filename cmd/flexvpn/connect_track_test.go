package main

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"flexvpn/client/profile"
	"flexvpn/client/track"
)

// backupSetup is a connect = "track" profile waiting for "primary down"
// and a tracker whose probe answers while primaryUp is set.
func backupSetup(t *testing.T, primaryUp *atomic.Bool) (*profile.Profile, *track.Tracker) {
	p := &profile.Profile{Name: "backup", Connect: profile.ConnectTrack, Track: "primary down",
		Objects: []profile.TrackOb{{Name: "primary", Probe: "tcp", Target: "192.0.2.20:443",
			Interval: profile.Duration(100 * time.Millisecond), Threshold: 1}}}
	tr, err := track.New(track.Config{Objects: p.Objects, NewProber: func(track.Object) (track.Prober, error) {
		return track.ProbeFunc(func(context.Context) error {
			if primaryUp.Load() {
				return nil
			}
			return errors.New("connection refused")
		}), nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return p, tr
}

// runLog records the runs of a fake connection.
type runLog struct {
	mu      sync.Mutex
	started int
	active  bool
	err     error // what the next run returns on its own, if set
}

func (l *runLog) run(ctx context.Context) error {
	l.mu.Lock()
	l.started++
	l.active = true
	err := l.err
	l.mu.Unlock()
	if err == nil {
		<-ctx.Done()
	}
	l.mu.Lock()
	l.active = false
	l.mu.Unlock()
	return err
}

func (l *runLog) state() (int, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.started, l.active
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestConnectFollowsTrackCondition: connect runs a backup profile only
// while its primary is down, and says why it waits.
func TestConnectFollowsTrackCondition(t *testing.T) {
	var primaryUp atomic.Bool
	primaryUp.Store(true)
	p, tr := backupSetup(t, &primaryUp)
	var l runLog
	var said strings.Builder
	var sayMu sync.Mutex
	say := func(s string) { sayMu.Lock(); said.WriteString(s + "\n"); sayMu.Unlock() }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runTracked(ctx, p, tr, l.run, say) }()

	eventually(t, "primary known up", func() bool { up, known := tr.State("primary"); return known && up })
	time.Sleep(300 * time.Millisecond) // a few probe intervals: nothing may start
	if n, _ := l.state(); n != 0 {
		t.Fatalf("started %d runs while the primary is up", n)
	}
	primaryUp.Store(false)
	eventually(t, "run while the primary is down", func() bool { n, active := l.state(); return n == 1 && active })
	primaryUp.Store(true)
	eventually(t, "stopped once the primary is back", func() bool { _, active := l.state(); return !active })
	primaryUp.Store(false)
	eventually(t, "second run", func() bool { n, active := l.state(); return n == 2 && active })
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("runTracked = %v", err)
	}
	if _, active := l.state(); active {
		t.Error("the run outlived connect")
	}
	sayMu.Lock()
	defer sayMu.Unlock()
	if !strings.Contains(said.String(), "waiting until primary down") || !strings.Contains(said.String(), "stopping: no longer primary down") {
		t.Errorf("told the user %q", said.String())
	}
}

// TestConnectTrackRunFailureEnds: a run that gives up on its own (the
// gateway rejected the password) ends connect with its error.
func TestConnectTrackRunFailureEnds(t *testing.T) {
	var primaryUp atomic.Bool
	p, tr := backupSetup(t, &primaryUp)
	l := runLog{err: errors.New("the gateway rejected the credentials")}
	err := runTracked(context.Background(), p, tr, l.run, func(string) {})
	if err == nil || !strings.Contains(err.Error(), "rejected") {
		t.Fatalf("runTracked = %v", err)
	}
}

// TestConnectRunsOtherModesAtOnce: only connect = "track" waits.
func TestConnectRunsOtherModesAtOnce(t *testing.T) {
	var primaryUp atomic.Bool
	p, tr := backupSetup(t, &primaryUp)
	p.Connect = profile.ConnectManual
	l := runLog{err: errors.New("done")}
	if err := runTracked(context.Background(), p, tr, l.run, func(string) {}); err == nil {
		t.Fatal("want the run's error")
	}
	if n, _ := l.state(); n != 1 {
		t.Fatalf("%d runs", n)
	}
}
