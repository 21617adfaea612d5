package daemon

import (
	"context"

	"flexvpn/client"
)

// WrapDialer returns the dialer a Factory should give its connection:
// it lets the daemon see the current session (for the data-plane
// counters in status) and starts no attempt for a run that is already
// cancelled. client.Conn goes round its loop once more after a failed
// Apply; when the daemon refused that Apply (default route taken) the
// attempt would only leave a half-open IKE SA on the gateway.
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
	s, err := rd.inner.Dial(ctx, t)
	if err == nil && rd.d != nil {
		rd.d.mu.Lock()
		rd.run.session = s
		rd.d.mu.Unlock()
	}
	return s, err
}
