package ike

import (
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"flexvpn/tunnel/ike/wire"
)

// lowNonce reads from crypto/rand, except that once armed its next read
// of a nonce's length returns zeros: the lowest nonce there is. The first
// such read of an idle SA asked to rekey is the rekey request's nonce.
type lowNonce struct {
	mu    sync.Mutex
	armed bool
}

func (r *lowNonce) arm() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.armed = true
}

func (r *lowNonce) Read(p []byte) (int, error) {
	r.mu.Lock()
	zero := r.armed && len(p) == nonceLen
	if zero {
		r.armed = false
	}
	r.mu.Unlock()
	if zero {
		clear(p)
		return len(p), nil
	}
	return rand.Read(p)
}

func isRekeyRequest(pkt []byte) bool {
	h, err := wire.DecodeHeader(pkt)
	return err == nil && h.Exchange == wire.CREATE_CHILD_SA && !h.IsResponse()
}

// rekeyPair is a connected client and server SA with their randomness
// under the test's control.
type rekeyPair struct {
	tb       *testbed
	cli, srv *SA
	cr, sr   *lowNonce
}

func newRekeyPair(t *testing.T) *rekeyPair { return newRekeyPairWith(t, func(*Config) {}) }

// newRekeyPairWith applies tweak to both ends' configurations.
func newRekeyPairWith(t *testing.T, tweak func(*Config)) *rekeyPair {
	t.Helper()
	p := &rekeyPair{cr: &lowNonce{}, sr: &lowNonce{}}
	s := pskServer()
	s.Rand = p.sr
	tweak(&s)
	p.tb = newTestbed(t, s)
	c := pskClient()
	c.Rand = p.cr
	tweak(&c)
	var err error
	if p.cli, err = p.tb.connect(t, c); err != nil {
		t.Fatal(err)
	}
	p.tb.cev.wait(t, EventChildUp)
	p.tb.sev.wait(t, EventChildUp)
	p.srv = p.tb.server.SAs()[0]
	return p
}

// converge waits until both ends use the same IKE SPIs, other than
// before, with one Child SA pair each.
func (p *rekeyPair) converge(t *testing.T, oldSPIi uint64) (spii, spir uint64) {
	t.Helper()
	return p.convergeWith(t, oldSPIi, 1)
}

// converge0 is converge for ends without Child SAs.
func (p *rekeyPair) converge0(t *testing.T, oldSPIi uint64) (spii, spir uint64) {
	t.Helper()
	return p.convergeWith(t, oldSPIi, 0)
}

func (p *rekeyPair) convergeWith(t *testing.T, oldSPIi uint64, children int) (spii, spir uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		ci, cr := p.cli.SPIs()
		si, sr := p.srv.SPIs()
		if ci != oldSPIi && ci == si && cr == sr && len(p.cli.Children()) == children && len(p.srv.Children()) == children {
			if c, s := len(p.tb.client.SAs()), len(p.tb.server.SAs()); c != 1 || s != 1 {
				t.Fatalf("%d client and %d server IKE SAs, want one each", c, s)
			}
			return ci, cr
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("IKE SAs did not converge after the rekey")
	return 0, 0
}

// checkAlive proves that the current IKE SA works both ways, with the
// keys and I flags agreeing: each end rekeys the Child SA over it, and
// the new Child SAs pair up.
func (p *rekeyPair) checkAlive(t *testing.T) {
	t.Helper()
	pairChildren(t, p.cli.Children()[0], p.srv.Children()[0])
	for _, sa := range []*SA{p.cli, p.srv} {
		if err := sa.RekeyChild(sa.Children()[0].InSPI); err != nil {
			t.Fatal(err)
		}
		pairChildren(t, p.tb.cev.wait(t, EventChildRekeyed).Child, p.tb.sev.wait(t, EventChildRekeyed).Child)
		// The old pair goes before the next rekey picks "the" Child SA.
		p.tb.cev.wait(t, EventChildDown)
		p.tb.sev.wait(t, EventChildDown)
	}
	if n := len(p.tb.cev.all(EventClosed)) + len(p.tb.sev.all(EventClosed)); n != 0 {
		t.Fatalf("%d SAs closed", n)
	}
}

// crossRekeys makes both ends rekey the IKE SA at once: each end's
// request is held in its sender until both are out, so that each arrives
// while the other end's own request is outstanding. pass decides the
// fate of every datagram (loss).
func (p *rekeyPair) crossRekeys(pass func() bool) {
	var held atomic.Int32
	sent, release := make(chan struct{}, 2), make(chan struct{})
	p.tb.pipe.Filter(func(pkt []byte, _, _ netip.AddrPort) bool {
		if isRekeyRequest(pkt) && held.Add(1) <= 2 {
			sent <- struct{}{}
			<-release
		}
		return pass()
	})
	go p.cli.RekeyIKE()
	go p.srv.RekeyIKE()
	<-sent
	<-sent
	close(release)
}

// initiatedBy reports whether the IKE SA with initiator SPI spii was
// created by a request from sa (its SPI is then sa's own, registered at
// its endpoint).
func initiatedBy(e *Endpoint, sa *SA, spii uint64) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sas[spii] == sa
}

// TestPeerInitiatedIKERekey: the original responder rekeys the IKE SA.
// It becomes the initiator of the new SA (RFC 7296 2.18): its SPI comes
// first, its messages carry the I flag and its keys are the initiator's.
// Both ends must go on talking over the new SA.
func TestPeerInitiatedIKERekey(t *testing.T) {
	p := newRekeyPair(t)
	i0, _ := p.cli.SPIs()
	p.srv.RekeyIKE()
	spii, _ := p.converge(t, i0)
	if !initiatedBy(p.tb.server, p.srv, spii) {
		t.Fatal("the new SA's initiator SPI is not the server's")
	}
	p.checkAlive(t)
}

// TestSimultaneousIKERekey: both ends rekey the IKE SA at the same
// moment; both requests are on the wire before either arrives, so each
// end answers the other's (RFC 7296 2.8.2):
//
//	client: CREATE_CHILD_SA {SA, Ni1, KE}  -->  <--  server: CREATE_CHILD_SA {SA, Ni2, KE}
//	both answer; three IKE SAs exist
//
// The side whose request carried the lowest nonce (forced to zeros here)
// initiated the redundant SA and deletes it; the other side's SA survives
// and the old one is deleted. Each end reports one rekey, both end on
// the same SA, and the Child SA keeps working over it.
func TestSimultaneousIKERekey(t *testing.T) {
	for _, lowest := range []string{"client", "server"} {
		t.Run(lowest+"-lowest", func(t *testing.T) {
			p := newRekeyPair(t)
			winnerEP, winner := p.tb.client, p.cli
			if lowest == "client" {
				p.cr.arm()
				winnerEP, winner = p.tb.server, p.srv
			} else {
				p.sr.arm()
			}
			i0, _ := p.cli.SPIs()
			p.crossRekeys(func() bool { return true })
			spii, _ := p.converge(t, i0)
			if !initiatedBy(winnerEP, winner, spii) {
				t.Fatalf("the surviving SA was not initiated by %v, whose nonces were higher", winner)
			}
			if c, s := len(p.tb.cev.all(EventIKERekeyed)), len(p.tb.sev.all(EventIKERekeyed)); c != 1 || s != 1 {
				t.Fatalf("rekey reported %d times by the client, %d by the server", c, s)
			}
			p.checkAlive(t)
		})
	}
}

// TestSimultaneousIKERekeyUnderLoss: the same crossing with a fifth of
// all datagrams lost at random, one-way Deletes included. Retransmissions
// answered from the caches (current or retired SA) and the deterministic
// tie-break must still bring both ends to one SA. (Loss is random, not
// every nth datagram: both ends retransmit in step, and a periodic drop
// can hit the same answer every round, which no exchange survives.)
func TestSimultaneousIKERekeyUnderLoss(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprintf("seed-%d", seed), func(t *testing.T) {
			p := newRekeyPairWith(t, func(c *Config) { c.RetransmitN = 10 })
			i0, _ := p.cli.SPIs()
			var mu sync.Mutex
			rng := mrand.New(mrand.NewPCG(seed, 7))
			p.crossRekeys(func() bool {
				mu.Lock()
				defer mu.Unlock()
				return rng.IntN(5) != 0
			})
			p.converge(t, i0)
			p.tb.pipe.Filter(nil)
			p.checkAlive(t)
		})
	}
}

// TestIKERekeyNoticedByOneSide: the client's rekey request is delayed
// until the server has completed its own rekey, so only the client sees
// the two cross. The server deletes the old SA and refuses the late
// request on it with TEMPORARY_FAILURE; either tells the client to take
// the server's new SA and drop its own attempt. In "delete-lost" the
// Delete never arrives and the refusal alone must do.
func TestIKERekeyNoticedByOneSide(t *testing.T) {
	for _, loseDelete := range []bool{false, true} {
		name := "delete-arrives"
		if loseDelete {
			name = "delete-lost"
		}
		t.Run(name, func(t *testing.T) {
			p := newRekeyPair(t)
			i0, _ := p.cli.SPIs()
			var serverDone atomic.Bool
			p.tb.pipe.Filter(func(pkt []byte, from, _ netip.AddrPort) bool {
				if from.Addr() == clientAddr {
					return !(isRekeyRequest(pkt) && !serverDone.Load())
				}
				return !(loseDelete && isOldSARequest(pkt, i0, wire.INFORMATIONAL))
			})
			p.cli.RekeyIKE() // sent, and lost until the server has rekeyed
			p.srv.RekeyIKE()
			p.tb.sev.wait(t, EventIKERekeyed)
			serverDone.Store(true)
			spii, _ := p.converge(t, i0)
			if !initiatedBy(p.tb.server, p.srv, spii) {
				t.Fatal("the client's own rekey replaced the server's")
			}
			p.checkAlive(t)
			if c := len(p.tb.cev.all(EventIKERekeyed)); c != 1 {
				t.Fatalf("client reported %d rekeys", c)
			}
		})
	}
}

func isOldSARequest(pkt []byte, spii uint64, exch wire.ExchangeType) bool {
	h, err := wire.DecodeHeader(pkt)
	return err == nil && h.SPIi == spii && h.Exchange == exch && !h.IsResponse()
}

// TestChildRekeyNoticedByOneSide: the client's rekey of the Child SA
// reaches the server only after the server's own rekey of it completed,
// while the server's Delete of the old SA is still under way. The server
// refuses the late rekey with TEMPORARY_FAILURE instead of creating a
// second replacement, so one Child SA pair remains: the server's.
func TestChildRekeyNoticedByOneSide(t *testing.T) {
	p := newRekeyPair(t)
	cOld, sOld := p.cli.Children()[0], p.srv.Children()[0]
	var serverRekeyed, lateAnswered atomic.Bool
	p.tb.pipe.Filter(func(pkt []byte, from, _ netip.AddrPort) bool {
		h, err := wire.DecodeHeader(pkt)
		if err != nil {
			return true
		}
		switch {
		case from.Addr() == clientAddr && h.Exchange == wire.CREATE_CHILD_SA && !h.IsResponse():
			return serverRekeyed.Load() // the client's request is late
		case from.Addr() == serverAddr && h.Exchange == wire.CREATE_CHILD_SA && h.IsResponse() && serverRekeyed.Load():
			lateAnswered.Store(true)
		case from.Addr() == serverAddr && h.Exchange == wire.INFORMATIONAL && !h.IsResponse():
			return lateAnswered.Load() // the server's Delete waits for that answer
		}
		return true
	})
	if err := p.cli.RekeyChild(cOld.InSPI); err != nil {
		t.Fatal(err)
	}
	if err := p.srv.RekeyChild(sOld.InSPI); err != nil {
		t.Fatal(err)
	}
	sNew := p.tb.sev.wait(t, EventChildRekeyed).Child
	serverRekeyed.Store(true)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		cs, ss := p.cli.Children(), p.srv.Children()
		if len(cs) == 1 && len(ss) == 1 && ss[0] == sNew && cs[0].OutSPI == sNew.InSPI {
			pairChildren(t, cs[0], ss[0])
			if n := len(p.tb.sev.all(EventChildRekeyed)); n != 1 {
				t.Fatalf("server installed %d replacements", n)
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("did not settle on the server's rekey: client %v, server %v", p.cli.Children(), p.srv.Children())
}

// TestIKERekeyWaitsForOutstanding: with windows above 1, a Child SA
// Delete queued right behind an IKE SA rekey waits for the rekey and
// runs on the new SA: sent alongside it, its answer would arrive under
// the old SPIs after the switch and be lost, leaving the Child SA half
// deleted.
func TestIKERekeyWaitsForOutstanding(t *testing.T) {
	p := newRekeyPairWith(t, func(c *Config) { c.WindowSize = 4 })
	i0, _ := p.cli.SPIs()
	child := p.cli.Children()[0]
	// Both queued in one step of the SA goroutine, as a rekey timer and
	// a user's delete can be: the window would let both out at once.
	p.cli.do(func() {
		p.cli.startIKERekey()
		p.cli.queue(childDeleteTask{child: child})
	})
	p.tb.cev.wait(t, EventChildDown)
	p.tb.sev.wait(t, EventChildDown)
	if ci, _ := p.cli.SPIs(); ci == i0 {
		t.Fatal("IKE SA not rekeyed")
	}
	if c, s := len(p.cli.Children()), len(p.srv.Children()); c != 0 || s != 0 {
		t.Fatalf("%d client and %d server Child SAs left", c, s)
	}
}

// TestIKERekeyRefusedWhileBusy: a peer's IKE SA rekey that arrives while
// one of our requests (a Child SA Delete) is outstanding is refused with
// TEMPORARY_FAILURE, so that our request's answer is not lost to the
// switch of keys; the peer retries and both complete.
func TestIKERekeyRefusedWhileBusy(t *testing.T) {
	p := newRekeyPair(t)
	i0, _ := p.cli.SPIs()
	var hold atomic.Bool
	hold.Store(true)
	p.tb.pipe.Filter(func(pkt []byte, from, _ netip.AddrPort) bool {
		h, err := wire.DecodeHeader(pkt)
		switch {
		case err != nil:
		case from.Addr() == clientAddr && h.Exchange == wire.INFORMATIONAL && h.IsResponse():
			return !hold.Load() // keeps the server's Delete outstanding
		case from.Addr() == serverAddr && h.Exchange == wire.CREATE_CHILD_SA && h.IsResponse():
			hold.Store(false) // the server has answered the rekey
		}
		return true
	})
	if err := p.srv.DeleteChild(p.srv.Children()[0].InSPI); err != nil {
		t.Fatal(err)
	}
	p.tb.cev.wait(t, EventChildDown) // the client got the Delete; its answer is held
	p.cli.RekeyIKE()
	p.tb.sev.wait(t, EventChildDown)
	p.tb.sev.wait(t, EventIKERekeyed)
	spii, spir := p.converge0(t, i0)
	if si, sr := p.srv.SPIs(); si != spii || sr != spir {
		t.Fatal("SPIs differ")
	}
}
