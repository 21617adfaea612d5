package client

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// trackedPeers: gw1 is tied to object "uplink", gw2 always eligible.
func trackedPeers(t *testing.T, up *atomic.Bool) ConnConfig {
	p := testProfile(t, "auto", "gw1.example", "gw2.example")
	p.Peers[0].Track = "uplink"
	return ConnConfig{Profile: p, Eligible: func(peer Peer) bool { return peer.Track == "" || up.Load() }}
}

// TestConnLeavesGatewayThatStopsBeingEligible: the session on gw1 is
// closed when gw1's object goes down and gw2 takes over; when the object
// comes back the client moves back to gw1 (primary reactivation), even
// without a reactivation timer.
func TestConnLeavesGatewayThatStopsBeingEligible(t *testing.T) {
	var up atomic.Bool
	up.Store(true)
	n := newFakeNet()
	n.script["gw1.example"] = []string{"ok", "ok"}
	n.script["gw2.example"] = []string{"ok"}
	cfg := trackedPeers(t, &up)
	cfg.Dialer, cfg.Resolver, cfg.Applier = n, n, n
	c := runConn(t, cfg)

	first := waitSession(t, n)
	if first.host != "gw1.example" {
		t.Fatalf("first session on %s", first.host)
	}
	c.EligibilityChanged() // nothing changed: the session stays
	up.Store(false)
	c.EligibilityChanged()
	second := waitSession(t, n)
	if second.host != "gw2.example" {
		t.Fatalf("after gw1's object went down connected to %s", second.host)
	}
	assertClosed(t, first)
	up.Store(true)
	c.EligibilityChanged()
	third := waitSession(t, n)
	if third.host != "gw1.example" {
		t.Fatalf("after gw1's object came back connected to %s", third.host)
	}
	assertClosed(t, second)
	if got := n.dialLog(); got != "gw1.example gw2.example gw1.example" {
		t.Errorf("dials = %s", got)
	}
}

// TestConnEligibilityWakesBackoff: with no gateway eligible the client
// waits; the object coming up ends the wait at once.
func TestConnEligibilityWakesBackoff(t *testing.T) {
	var up atomic.Bool
	n := newFakeNet()
	n.script["gw1.example"] = []string{"ok"}
	p := testProfile(t, "auto", "gw1.example")
	p.Peers[0].Track = "uplink"
	waiting := make(chan struct{}, 8)
	c := runConn(t, ConnConfig{
		Profile: p, Dialer: n, Resolver: n, Applier: n,
		Eligible: func(peer Peer) bool { return up.Load() },
		// A wait far longer than the test: only a wake-up ends it.
		Sleep: func(ctx context.Context, d time.Duration) error {
			waiting <- struct{}{}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Minute):
				return nil
			}
		},
	})
	select {
	case <-waiting:
	case <-time.After(5 * time.Second):
		t.Fatal("no backoff while no gateway is eligible")
	}
	if n.dialLog() != "" {
		t.Fatalf("dialed %s while no gateway was eligible", n.dialLog())
	}
	up.Store(true)
	c.EligibilityChanged()
	if s := waitSession(t, n); s.host != "gw1.example" {
		t.Fatalf("connected to %s", s.host)
	}
}

// TestBackoffSleepKeepsLateChange: a change that arrives as the wait ends
// on its own is not lost.
func TestBackoffSleepKeepsLateChange(t *testing.T) {
	c := NewConn(ConnConfig{Profile: testProfile(t, "auto", "gw1.example")})
	c.cfg.Sleep = func(ctx context.Context, d time.Duration) error {
		c.EligibilityChanged()
		<-ctx.Done() // the watcher saw the change
		return nil   // ...but the wait ended on its own first
	}
	woken, err := c.backoffSleep(context.Background(), time.Second)
	if woken || err != nil {
		t.Fatalf("woken %v err %v", woken, err)
	}
	select {
	case <-c.eligChg:
	default:
		t.Fatal("the change seen at the end of the wait was dropped")
	}
}

func runConn(t *testing.T, cfg ConnConfig) *Conn {
	t.Helper()
	if cfg.Sleep == nil {
		cfg.Sleep = func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	}
	c := NewConn(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return c
}

func waitSession(t *testing.T, n *fakeNet) *fakeSession {
	t.Helper()
	select {
	case s := <-n.sessions:
		return s
	case <-time.After(5 * time.Second):
		t.Fatalf("no session; dials: %s", n.dialLog())
		return nil
	}
}

func assertClosed(t *testing.T, s *fakeSession) {
	t.Helper()
	select {
	case <-s.closed:
	case <-time.After(5 * time.Second):
		t.Errorf("session on %s was not closed", s.host)
	}
}

// TestConnStaysOnBackupWhenUnrelatedObjectChanges: gw1 failed (its
// object is fine) and gw2 took over; a change of some other object must
// not send the session back to gw1.
func TestConnStaysOnBackupWhenUnrelatedObjectChanges(t *testing.T) {
	var up atomic.Bool
	up.Store(true)
	n := newFakeNet()
	n.script["gw1.example"] = []string{"fail", "ok"}
	n.script["gw2.example"] = []string{"ok"}
	cfg := trackedPeers(t, &up)
	cfg.Dialer, cfg.Resolver, cfg.Applier = n, n, n
	c := runConn(t, cfg)
	backup := waitSession(t, n)
	if backup.host != "gw2.example" {
		t.Fatalf("first session on %s", backup.host)
	}
	for range 3 {
		c.EligibilityChanged()
		time.Sleep(20 * time.Millisecond) // let the Conn look
	}
	select {
	case <-backup.closed:
		t.Fatalf("left the backup on an unrelated change; dials: %s", n.dialLog())
	default:
	}
	if got := n.dialLog(); got != "gw1.example gw2.example" {
		t.Errorf("dials = %s", got)
	}
}

// TestConnCatchesGatewayEligibleWhilePicking: gw1's object comes up
// just as the Conn picks a gateway (its first look says no, every later
// one yes). The Conn must still end up on gw1, not stay on gw2 because
// gw1 looked eligible by the time it noted what was.
func TestConnCatchesGatewayEligibleWhilePicking(t *testing.T) {
	n := newFakeNet()
	n.script["gw1.example"] = []string{"ok"}
	n.script["gw2.example"] = []string{"ok"}
	p := testProfile(t, "auto", "gw1.example", "gw2.example")
	p.Peers[0].Track = "uplink"
	var looks atomic.Int32
	var c *Conn
	cfg := ConnConfig{Profile: p, Dialer: n, Resolver: n, Applier: n,
		Eligible: func(peer Peer) bool {
			if peer.Track == "" {
				return true
			}
			if looks.Add(1) == 1 {
				return false
			}
			if looks.Load() == 2 {
				c.EligibilityChanged() // the tracker's notice of the change
			}
			return true
		}}
	c = NewConn(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	deadline := time.After(5 * time.Second)
	for {
		select {
		case s := <-n.sessions:
			if s.host == "gw1.example" {
				return
			}
		case <-deadline:
			t.Fatalf("never reached gw1; dials: %s", n.dialLog())
		}
	}
}
