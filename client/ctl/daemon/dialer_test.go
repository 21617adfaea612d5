package daemon

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"flexvpn/client"
	"flexvpn/platform/router"
)

type countDialer struct{ n int }

func (c *countDialer) Dial(context.Context, client.Target) (client.Session, error) {
	c.n++
	return nil, errors.New("unreachable")
}

// TestWrapDialerSkipsCancelledRuns: after the daemon cancels a run (as it
// does when refusing a second default route), no new attempt goes out.
func TestWrapDialerSkipsCancelledRuns(t *testing.T) {
	inner := &countDialer{}
	d := Build{}.WrapDialer(inner)
	if _, err := d.Dial(context.Background(), client.Target{}); err == nil || inner.n != 1 {
		t.Fatalf("live run: err %v, %d dials", err, inner.n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.Dial(ctx, client.Target{}); !errors.Is(err, context.Canceled) || inner.n != 1 {
		t.Fatalf("cancelled run: err %v, %d dials", err, inner.n)
	}
}

type failingRouter struct{ router.Fake }

func (f *failingRouter) Set(cfg router.Config) error {
	if cfg.Interface != "" {
		return errors.New("ip: Operation not permitted")
	}
	return nil
}

// TestApplyFailureBacksOff: routes that cannot be installed must not turn
// into a handshake storm against the gateway (client.Conn reconnects at
// once after a failed Apply; the daemon's dialer waits).
func TestApplyFailureBacksOff(t *testing.T) {
	dir := t.TempDir()
	writeProfile(t, dir, "corp", "auto", "192.0.2.1")
	dialer := &fakeDialer{}
	d := New(Config{
		Dir:          dir,
		ApplyBackoff: 40 * time.Millisecond,
		Factory: func(b Build) (Tunnel, error) {
			return client.NewConn(client.ConnConfig{
				Profile: b.Profile, Dialer: b.WrapDialer(dialer), Resolver: literalResolver{},
				Applier: b.Applier, Trace: b.Trace, Logger: b.Logger,
			}), nil
		},
		NewRouter: func() router.Router { return &failingRouter{} },
	})
	d.Reload()
	defer d.Shutdown()
	var times []time.Time
	waitFor(t, "three attempts", func() bool {
		dialer.mu.Lock()
		defer dialer.mu.Unlock()
		times = slices.Clone(dialer.times)
		return len(times) >= 3
	})
	// Waits of 40 and 80 ms come before the second and third attempts; a
	// storm would have dialed all three within a millisecond.
	if gap := times[2].Sub(times[0]); gap < 120*time.Millisecond {
		t.Fatalf("three attempts within %v: no backoff after failed Applies", gap)
	}
	st, _ := d.Status("corp", false)
	if !strings.Contains(st[0].LastError, "Operation not permitted") {
		t.Errorf("last error %q does not say why", st[0].LastError)
	}
}
