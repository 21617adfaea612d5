package daemon

import (
	"context"
	"errors"
	"testing"

	"flexvpn/client"
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
