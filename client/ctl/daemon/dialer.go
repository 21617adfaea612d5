package daemon

import (
	"context"
	"time"

	"flexvpn/client"
)

// WrapDialer returns the dialer a Factory should give its connection:
// it lets the daemon see the current session (for the data-plane
// counters in status), starts no attempt for a run that is already
// cancelled, and waits before dialing after failed Applies.
//
// client.Conn goes round its loop at once after a failed Apply: when the
// daemon refused that Apply (default route taken) the attempt would only
// leave a half-open IKE SA on the gateway, and when the routes could not
// be installed it would hammer the gateway with handshakes.
func (b Build) WrapDialer(inner client.Dialer) client.Dialer {
	return &runDialer{inner: inner, d: b.d, run: b.run}
}

type runDialer struct {
	inner client.Dialer
	d     *Daemon
	run   *run
}

func (rd *runDialer) Dial(ctx context.Context, t client.Target) (client.Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := sleepCtx(ctx, rd.backoff()); err != nil {
		return nil, err
	}
	s, err := rd.inner.Dial(ctx, t)
	if err == nil && rd.d != nil {
		rd.d.mu.Lock()
		rd.run.session = s
		rd.d.mu.Unlock()
	}
	return s, err
}

// backoff is the wait owed to the run's consecutive Apply failures.
func (rd *runDialer) backoff() time.Duration {
	if rd.d == nil {
		return 0
	}
	rd.d.mu.Lock()
	n := rd.run.applyFails
	rd.d.mu.Unlock()
	if n == 0 {
		return 0
	}
	return min(rd.d.cfg.ApplyBackoff<<min(n-1, 10), time.Minute)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
