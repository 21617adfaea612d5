// Package link joins the two halves of a tunnel: it installs the Child SAs
// an IKE endpoint negotiates (tunnel/ike events) into a data plane Device
// (tunnel/datapath) as ESP SAs (tunnel/esp), and asks the engine to rekey
// when an ESP SA reaches its soft lifetime. Client and server both use it.
//
// Rekeys are make-before-break: the new inbound SA is installed before the
// outbound route switches to the new outbound SA, and the old inbound SA
// is retired only after a grace period, so packets in flight still open.
package link

import (
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"flexvpn/tunnel/datapath"
	"flexvpn/tunnel/esp"
	"flexvpn/tunnel/ike"
)

// RetireGrace is how long an old inbound SA keeps opening packets after a
// rekey.
const RetireGrace = 5 * time.Second

// Device is the part of *datapath.Device a Link drives.
type Device interface {
	AddInbound(spi uint32, sa datapath.Opener, allowed []netip.Prefix) error
	RetireInbound(spi uint32, grace time.Duration)
	RemoveInbound(spi uint32)
	SetOutboundFrom(prefixes []netip.Prefix, sa datapath.Sealer, local netip.Addr, remote netip.AddrPort) error
	RemoveOutbound(prefixes []netip.Prefix)
}

// Link tracks the Child SAs it installed, keyed by inbound SPI.
type Link struct {
	dev      Device
	log      *slog.Logger
	lifetime esp.Lifetime

	mu        sync.Mutex
	installed map[uint32]*installed
	// routeUsers counts the installed SAs routing each prefix, so a
	// removal finds the routes nobody else uses without a scan.
	routeUsers map[netip.Prefix]int
}

type installed struct {
	sa     *ike.SA
	child  *ike.ChildSA
	routes []netip.Prefix
}

// New returns a Link over dev. lifetime sets the ESP SA limits (zero: none
// beyond the sequence-number guard).
func New(dev Device, lifetime esp.Lifetime, log *slog.Logger) *Link {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Link{dev: dev, log: log, lifetime: lifetime, installed: map[uint32]*installed{}, routeUsers: map[netip.Prefix]int{}}
}

// HandleEvent installs, replaces and removes Child SAs. Use it as (part of)
// ike.EndpointConfig.OnEvent. It never blocks on the IKE SA.
func (l *Link) HandleEvent(ev ike.Event) {
	var err error
	switch ev.Kind {
	case ike.EventChildUp:
		err = l.install(ev.SA, ev.Child)
	case ike.EventChildRekeyed:
		err = l.install(ev.SA, ev.Child)
		if err == nil && ev.OldChild != nil {
			l.retire(ev.OldChild.InSPI)
		}
	case ike.EventChildDown:
		if ev.Child != nil {
			l.remove(ev.Child.InSPI)
		}
	case ike.EventClosed:
		// Handlers run on the SA's goroutine, so asking the SA for its
		// children would deadlock: use what we installed for it.
		for _, spi := range l.spisOf(ev.SA) {
			l.remove(spi)
		}
	}
	if err != nil {
		l.log.Error("cannot install child SA", "child", ev.Child, "err", err)
	}
}

// install builds both ESP SAs, adds the inbound one, then points the
// routes at the outbound one.
func (l *Link) install(sa *ike.SA, c *ike.ChildSA) error {
	rekey := l.rekeyOnce(sa, c.InSPI)
	in, err := esp.NewInbound(l.espConfig(c, c.InSPI, c.In, rekey))
	if err != nil {
		return fmt.Errorf("inbound SA: %w", err)
	}
	out, err := esp.NewOutbound(l.espConfig(c, c.OutSPI, c.Out, rekey))
	if err != nil {
		return fmt.Errorf("outbound SA: %w", err)
	}
	routes := SelectorPrefixes(c.RemoteTS)
	if err := l.dev.AddInbound(c.InSPI, in, routes); err != nil {
		return err
	}
	// Pointing the routes and recording who owns them is one step under
	// l.mu: events of different IKE SAs run on different goroutines, and
	// a reconnecting client's old SA going down must not take the routes
	// its new SA is just claiming (see remove).
	l.mu.Lock()
	// ESP leaves from the address the peer's IKE traffic arrived on, which
	// matters for a gateway bound to a wildcard address on several networks.
	err = l.dev.SetOutboundFrom(routes, out, c.Local.Addr(), c.Remote)
	if err == nil {
		l.recordLocked(c.InSPI, &installed{sa: sa, child: c, routes: routes})
	}
	l.mu.Unlock()
	if err != nil {
		l.dev.RemoveInbound(c.InSPI)
		return err
	}
	l.log.Info("child SA installed", "child", c, "routes", routes, "remote", c.Remote)
	return nil
}

func (l *Link) espConfig(c *ike.ChildSA, spi uint32, k ike.ChildKeys, rekey func()) esp.Config {
	return esp.Config{
		SPI: spi, Encr: c.Encr, EncrKeyBits: c.EncrKeyBits, Integ: c.Integ,
		EncrKey: k.Encr, IntegKey: k.Integ, ESN: c.ESN, Lifetime: l.lifetime,
		OnLifetime: func(ev esp.LifetimeEvent) {
			// A hard limit only stops the SA (esp refuses traffic); the soft
			// limit, in either direction, asks for one rekey.
			if !ev.Hard {
				rekey()
			}
		},
	}
}

// rekeyOnce returns a function that asks the engine, once, to rekey the
// Child SA. It runs on the packet path, so the request goes on its own
// goroutine (and must not run on the SA's goroutine: see HandleEvent).
func (l *Link) rekeyOnce(sa *ike.SA, inSPI uint32) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			if sa == nil {
				return
			}
			go func() {
				if err := sa.RekeyChild(inSPI); err != nil {
					l.log.Warn("rekey on ESP lifetime failed", "spi", fmt.Sprintf("%08x", inSPI), "err", err)
				}
			}()
		})
	}
}

// spisOf lists the inbound SPIs installed for sa.
func (l *Link) spisOf(sa *ike.SA) []uint32 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []uint32
	for spi, inst := range l.installed {
		if inst.sa == sa {
			out = append(out, spi)
		}
	}
	return out
}

// retire keeps the old inbound SA for a grace period; its routes now
// belong to the new SA, so only the inbound side is touched.
func (l *Link) retire(inSPI uint32) {
	l.mu.Lock()
	l.forgetLocked(inSPI)
	l.mu.Unlock()
	l.dev.RetireInbound(inSPI, RetireGrace)
}

// remove deletes an SA and those of its routes no other installed SA
// uses: a newer SA (a rekey, or the same client reconnected) took those
// over. The check and the removal happen under l.mu, as install's claim
// does, so they cannot interleave. A retired SA is not in the table any
// more: its grace timer removes it, so the Delete that follows a rekey
// does not cut packets in flight.
func (l *Link) remove(inSPI uint32) {
	l.mu.Lock()
	defer l.mu.Unlock()
	inst, orphaned := l.forgetLocked(inSPI)
	if inst == nil {
		return
	}
	l.dev.RemoveInbound(inSPI)
	if len(orphaned) > 0 {
		l.dev.RemoveOutbound(orphaned)
	}
}

// recordLocked adds an installed SA and counts it as a user of its routes.
func (l *Link) recordLocked(spi uint32, inst *installed) {
	l.installed[spi] = inst
	for _, p := range inst.routes {
		l.routeUsers[p]++
	}
}

// forgetLocked drops spi from the table; it returns what was installed
// (nil if nothing) and the prefixes no installed SA routes any more.
func (l *Link) forgetLocked(spi uint32) (*installed, []netip.Prefix) {
	inst, ok := l.installed[spi]
	if !ok {
		return nil, nil
	}
	delete(l.installed, spi)
	var orphaned []netip.Prefix
	for _, p := range inst.routes {
		if l.routeUsers[p]--; l.routeUsers[p] <= 0 {
			delete(l.routeUsers, p)
			orphaned = append(orphaned, p)
		}
	}
	return inst, orphaned
}
