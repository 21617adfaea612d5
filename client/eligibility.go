package client

import (
	"context"
	"errors"
	"time"
)

// errEligibilityChanged is the cause with which an eligibility change
// cuts a backoff wait short.
var errEligibilityChanged = errors.New("gateway eligibility changed")

// EligibilityChanged tells the connection that a peer's eligibility may
// have changed (a tracked object went up or down). A connected session
// whose gateway is no longer eligible is closed and the next eligible
// gateway is tried; a session on a backup is moved to a preferred gateway
// that became eligible; a wait between rounds (for instance because no
// gateway was eligible) ends at once. Calls never block; several calls
// before the connection looks count as one.
func (c *Conn) EligibilityChanged() {
	select {
	case c.eligChg <- struct{}{}:
	default:
	}
}

// eligible applies the configured Eligibility (nil: every peer is).
func (c *Conn) eligible(p Peer) bool {
	return c.cfg.Eligible == nil || c.cfg.Eligible(p)
}

// recheck handles an eligibility change while t's session is up and
// reports whether the session was given up. A gateway that stopped being
// eligible is left for the next one: no Rewind, so Next moves past it.
// A preferred gateway takes the session back only if it became eligible
// since the current one was picked (c.seen, updated here): one that was
// eligible all along and still lost to this one must not win on the
// change of an object that has nothing to do with it.
func (c *Conn) recheck(sess Session, t Target) bool {
	if !c.eligible(t.Peer) {
		c.setState(StateConnecting, t.Host, "gateway is no longer eligible (its tracked object changed); moving to the next", nil)
		c.closeSession(sess)
		return true
	}
	now := c.eligibleNow()
	defer func() { c.seen = now }()
	p, ok := c.gateways.Preferred(func(p Peer) bool { return now[p] && !c.seen[p] })
	if !ok {
		return false
	}
	return c.moveTo(sess, p)
}

// eligibleNow is the set of eligible gateways.
func (c *Conn) eligibleNow() map[Peer]bool {
	out := map[Peer]bool{}
	for _, p := range c.gateways.order() {
		out[p] = c.eligible(p)
	}
	return out
}

// reactivate moves to the most preferred eligible gateway when it comes
// before the current one (the seed's "peer reactivate"), reporting
// whether the session was given up for it.
func (c *Conn) reactivate(sess Session) bool {
	p, ok := c.gateways.Preferred(c.cfg.Eligible)
	if !ok {
		return false
	}
	return c.moveTo(sess, p)
}

// moveTo gives up the session for the preferred gateway p.
func (c *Conn) moveTo(sess Session, p Peer) bool {
	c.setState(StateConnecting, p.Host, "preferred gateway is back; moving to it", nil)
	c.closeSession(sess)
	c.gateways.MoveTo(p)
	c.gateways.Rewind(p)
	return true
}

// backoffSleep waits d with cfg.Sleep, cut short by an eligibility
// change: a gateway that just became eligible is worth trying now, not
// after a backoff grown while none was. woken reports that case (err is
// then nil); otherwise err is what Sleep returned.
func (c *Conn) backoffSleep(ctx context.Context, d time.Duration) (woken bool, err error) {
	wctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		select {
		case <-c.eligChg:
			cancel(errEligibilityChanged)
		case <-stop:
		}
	}()
	err = c.cfg.Sleep(wctx, d)
	close(stop)
	<-exited
	if !errors.Is(context.Cause(wctx), errEligibilityChanged) {
		return false, err
	}
	if err == nil || ctx.Err() != nil {
		// The wait was over (or the user ended it) before the change was
		// seen: keep the change for whoever looks next.
		c.EligibilityChanged()
		return false, err
	}
	return true, nil
}
