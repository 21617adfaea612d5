package esp

import (
	"sync/atomic"
	"time"
)

// lifetime enforces soft and hard limits. Byte and packet limits are
// checked on the packet path against the SA's counters; time limits run on
// timers so the packet path never reads the clock.
type lifetime struct {
	limits   Lifetime
	notify   func(LifetimeEvent)
	spi      uint32
	outbound bool

	softFired atomic.Bool
	hardFired atomic.Bool // set once: the SA refuses every packet after it
	timers    [2]*time.Timer
}

func newLifetime(cfg *Config, outbound bool) *lifetime {
	l := &lifetime{limits: cfg.Lifetime, notify: cfg.OnLifetime, spi: cfg.SPI, outbound: outbound}
	if d := cfg.Lifetime.SoftTime; d > 0 {
		l.timers[0] = time.AfterFunc(d, func() { l.soft(LimitTime) })
	}
	if d := cfg.Lifetime.HardTime; d > 0 {
		l.timers[1] = time.AfterFunc(d, func() { l.hard(LimitTime) })
	}
	return l
}

// expired reports whether a hard limit was reached.
func (l *lifetime) expired() bool { return l.hardFired.Load() }

// soft reports the soft limit once.
func (l *lifetime) soft(kind LimitKind) {
	if l.softFired.CompareAndSwap(false, true) {
		l.report(false, kind)
	}
}

// hard marks the SA expired and reports it once. A hard limit reached
// before the soft one implies the soft one, which is then never reported.
func (l *lifetime) hard(kind LimitKind) {
	l.softFired.Store(true)
	if l.hardFired.CompareAndSwap(false, true) {
		l.report(true, kind)
	}
}

func (l *lifetime) report(hard bool, kind LimitKind) {
	if l.notify != nil {
		l.notify(LifetimeEvent{SPI: l.spi, Outbound: l.outbound, Hard: hard, Kind: kind})
	}
}

// charge counts one packet of n inner bytes against the limits. If that
// crosses a hard limit the charge is undone and charge returns false.
func (l *lifetime) charge(c *counters, n int) bool {
	p := c.packets.Add(1)
	b := c.bytes.Add(uint64(n))
	lim := &l.limits
	switch {
	case lim.HardPackets != 0 && p > lim.HardPackets:
		l.undo(c, n)
		l.hard(LimitPackets)
		return false
	case lim.HardBytes != 0 && b > lim.HardBytes:
		l.undo(c, n)
		l.hard(LimitBytes)
		return false
	}
	if !l.softFired.Load() {
		l.checkSoft(p, b)
	}
	return true
}

func (l *lifetime) undo(c *counters, n int) {
	c.packets.Add(^uint64(0))
	c.bytes.Add(^uint64(n - 1))
}

func (l *lifetime) checkSoft(p, b uint64) {
	lim := &l.limits
	switch {
	case lim.SoftPackets != 0 && p >= lim.SoftPackets:
		l.soft(LimitPackets)
	case lim.SoftBytes != 0 && b >= lim.SoftBytes:
		l.soft(LimitBytes)
	}
}

// stop releases the timers.
func (l *lifetime) stop() {
	for _, t := range l.timers {
		if t != nil {
			t.Stop()
		}
	}
}
