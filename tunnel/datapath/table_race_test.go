package datapath

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"

	"flexvpn/platform/tunif/tunfake"
)

// idOpener is an inbound SA that says which session and generation it is.
type idOpener struct{ host, gen int }

func (idOpener) Open([]byte) ([]byte, byte, error) { return nil, 0, nil }

// raceSessions is the shape of TestConcurrentInstallsAndLookups: stable
// sessions rekeyed generation after generation, make-before-break, while
// transient sessions come and go in waves that grow and shrink the
// tables under the readers.
type raceSessions struct {
	d        *Device
	stable   int
	done     atomic.Int64   // the last generation every stable session finished
	switched []atomic.Int64 // per stable session, the generation its outbound uses
	stop     atomic.Bool
	waves    atomic.Int64 // transient waves added and removed
}

const raceNet = 200 // 10.200.0.0/24, replaced every generation

// id packs a session and generation into a nullSealer id.
func (s *raceSessions) id(host, gen int) int { return gen*s.stable + host }

// spi alternates between two SPIs per stable session, as rekeys do.
func (s *raceSessions) spi(host, gen int) uint32 { return 0x3000_0000 + uint32(host*2+gen%2) }

// rekey installs generation gen for every stable session: the new inbound
// SA, the outbound switch, then the old inbound SA removed.
func (s *raceSessions) rekey(t *testing.T, gen int) {
	for i := range s.stable {
		host := []netip.Prefix{sessionHost(i)}
		must(t, s.d.AddInbound(s.spi(i, gen), idOpener{i, gen}, host))
		must(t, s.d.SetOutbound(host, nullSealer{s.id(i, gen)}, sessionRemote(i)))
		s.switched[i].Store(int64(gen))
		if gen > 0 {
			s.d.RemoveInbound(s.spi(i, gen-1))
		}
	}
	net := []netip.Prefix{netip.PrefixFrom(netip.AddrFrom4([4]byte{10, raceNet, 0, 0}), 24)}
	must(t, s.d.SetOutbound(net, nullSealer{s.id(0, gen)}, sessionRemote(0)))
	s.done.Store(int64(gen))
}

// churn adds and removes waves of transient sessions until stopped.
func (s *raceSessions) churn(t *testing.T, wave int) {
	for ; !s.stop.Load(); s.waves.Add(1) {
		for i := s.stable; i < s.stable+wave; i++ {
			host := []netip.Prefix{sessionHost(i)}
			if err := s.d.AddInbound(sessionSPI(i), idOpener{i, -1}, host); err != nil {
				t.Error(err)
				return
			}
			if err := s.d.SetOutbound(host, nullSealer{-i}, sessionRemote(i)); err != nil {
				t.Error(err)
				return
			}
		}
		for i := s.stable; i < s.stable+wave; i++ {
			s.d.RemoveOutbound([]netip.Prefix{sessionHost(i)})
			s.d.RemoveInbound(sessionSPI(i))
		}
	}
}

// check looks up stable session i once and reports what is wrong.
func (s *raceSessions) check(t *testing.T, i int) bool {
	t.Helper()
	before := int(s.done.Load())
	r := s.d.tables.lookupOut(sessionHost(i).Addr())
	after := int(s.done.Load())
	if r == nil {
		t.Errorf("session %d: no route while it was being replaced", i)
		return false
	}
	id := r.sa.(nullSealer).id
	// The route is the old or the new one: of the generation finished
	// before the lookup, or of one begun before the lookup ended.
	if host, gen := id%s.stable, id/s.stable; host != i || gen < before || gen > after+1 {
		t.Errorf("session %d: route of session %d generation %d, generations done %d..%d", i, host, gen, before, after)
		return false
	}
	// Make-before-break: the inbound SA of the generation the route uses
	// stays until the outbound has switched to the next one.
	gen := id / s.stable
	in := s.d.tables.lookupIn(s.spi(i, gen))
	if in == nil {
		if int(s.switched[i].Load()) <= gen {
			t.Errorf("session %d: inbound SA of generation %d gone before the switch", i, gen)
			return false
		}
		return true
	}
	if o := in.sa.(idOpener); o.host != i || o.gen < gen || o.gen%2 != gen%2 {
		t.Errorf("session %d: SPI of generation %d holds %+v", i, gen, o)
		return false
	}
	return true
}

// checkNet looks up an address only the replaced /24 covers, and a
// transient session, which may be there or not but never half.
func (s *raceSessions) checkNet(t *testing.T, transient int) bool {
	t.Helper()
	before := int(s.done.Load())
	r := s.d.tables.lookupOut(netip.AddrFrom4([4]byte{10, raceNet, 0, 9}))
	after := int(s.done.Load())
	if r == nil || r.sa.(nullSealer).id/s.stable < before || r.sa.(nullSealer).id/s.stable > after+1 {
		t.Errorf("10.200.0.9: route %+v, generations done %d..%d", r, before, after)
		return false
	}
	if r := s.d.tables.lookupOut(sessionHost(transient).Addr()); r != nil && r.sa.(nullSealer).id != -transient {
		t.Errorf("transient session %d: route %+v", transient, r.sa)
		return false
	}
	if in := s.d.tables.lookupIn(sessionSPI(transient)); in != nil && in.sa.(idOpener).host != transient {
		t.Errorf("transient session %d: inbound %+v", transient, in.sa)
		return false
	}
	return true
}

// checkPeers enumerates the keepalive peers: the stable sessions' remotes
// never leave, whatever the transient ones do.
func (s *raceSessions) checkPeers(t *testing.T) bool {
	t.Helper()
	stable := 0
	for p := range s.d.tables.allPeers() {
		a := p.flow.dst.Addr().As4()
		if i := int(a[1]-64)<<16 | int(a[2])<<8 | int(a[3]); i < s.stable {
			stable++
		}
	}
	if stable != s.stable {
		t.Errorf("keepalive sweep saw %d of %d stable peers", stable, s.stable)
		return false
	}
	return true
}

// TestConcurrentInstallsAndLookups rekeys sessions and churns others
// while readers look up without locks, as the pump does; run it with
// -race. Every lookup must see a whole entry, old or new.
func TestConcurrentInstallsAndLookups(t *testing.T) {
	d, _ := newTestDevice(t, tunfake.Config{}, Config{})
	const stable = 16
	s := &raceSessions{d: d, stable: stable, switched: make([]atomic.Int64, stable)}
	// At least this many generations, and on until the tables have grown
	// and shrunk under the readers a few times.
	gens, waves, wave := 400, 3, 600
	if testing.Short() {
		gens = 80
	}
	s.rekey(t, 0)

	var wg sync.WaitGroup
	var lookups atomic.Int64
	wg.Go(func() { s.churn(t, wave) })
	for r := range 2 {
		wg.Go(func() {
			for n := 0; !s.stop.Load(); n++ {
				lookups.Add(1)
				ok := s.check(t, (n+r*31)%s.stable) && s.checkNet(t, s.stable+n%wave)
				if ok && n%64 == 0 {
					ok = s.checkPeers(t)
				}
				if !ok {
					return
				}
			}
		})
	}
	gen := 1
	for ; (gen <= gens || s.waves.Load() < int64(waves)) && !t.Failed(); gen++ {
		s.rekey(t, gen)
	}
	s.stop.Store(true)
	wg.Wait()
	t.Logf("%d generations, %d transient waves of %d, %d lookup rounds", gen-1, s.waves.Load(), wave, lookups.Load())
}
