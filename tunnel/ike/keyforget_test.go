package ike

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"flexvpn/tunnel/ike/crypto"
	"flexvpn/tunnel/ike/wire"
)

// TestIKESAForgetsKeyExchange: both ends drop the IKE_SA_INIT private
// value as soon as the keys are derived. The first IKE_SA_INIT response
// is held back, so the responder is seen between its answer and
// IKE_AUTH (already without it) and must answer the initiator's
// retransmission from its cache; the initiator's key exchange, captured
// before the answer, can no longer compute a secret afterwards.
func TestIKESAForgetsKeyExchange(t *testing.T) {
	for _, p := range []Proposal{hybrid(wire.KE_CURVE25519), hybrid(wire.KE_MODP2048),
		hybrid(wire.KE_ECP256, []uint16{wire.KE_MLKEM768})} {
		t.Run(fmt.Sprintf("ke%d+%v", p.KE[0], p.AddKE[0]), func(t *testing.T) { forgetsKeyExchange(t, p) })
	}
}

func forgetsKeyExchange(t *testing.T, p Proposal) {
	c, s := pskClient(), pskServer()
	c.IKEProposals, s.IKEProposals = []Proposal{p}, []Proposal{p}
	c.RetransmitT = 100 * time.Millisecond // room to look at both ends while the answer is held
	tb := newTestbed(t, s)
	var hold atomic.Bool
	var held atomic.Int32
	hold.Store(true)
	tb.pipe.Filter(func(pkt []byte, _, _ netip.AddrPort) bool {
		h, err := wire.DecodeHeader(pkt)
		if err == nil && h.Exchange == wire.IKE_SA_INIT && h.IsResponse() && hold.Load() {
			held.Add(1)
			return false
		}
		return true
	})
	sa, err := tb.client.Initiate(context.Background(), c, serverIKE)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return held.Load() > 0 && len(tb.server.SAs()) == 1 })
	var kex crypto.KeyExchange
	sa.read(func() { kex = sa.kex })
	srv := tb.server.SAs()[0]
	var srvKex crypto.KeyExchange
	srv.read(func() { srvKex = srv.kex })
	if kex == nil || srvKex != nil || srv.State() != StateInitReplied {
		// Only nil-ness is printed: a key exchange does not belong in a log.
		t.Fatalf("before the answer: client has a key exchange %v, server %v in state %v", kex != nil, srvKex != nil, srv.State())
	}
	hold.Store(false)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := sa.WaitUp(ctx); err != nil {
		t.Fatal(err)
	}
	var clientKept, serverKept bool
	sa.read(func() { clientKept = sa.kex != nil })
	srv.read(func() { serverKept = srv.kex != nil })
	if clientKept || serverKept {
		t.Errorf("after the handshake: client holds its key exchange %v, server %v", clientKept, serverKept)
	}
	if _, err := kex.Shared(kex.Public()); !errors.Is(err, crypto.ErrKeyForgotten) {
		t.Errorf("client key exchange after the handshake: Shared = %v, want ErrKeyForgotten", err)
	}
	if g := sa.KeyExchange(); g != p.KE[0] {
		t.Errorf("KeyExchange() = %d, want %d", g, p.KE[0])
	}
	if n := len(tb.server.SAs()); n != 1 {
		t.Errorf("server has %d SAs; the retransmission should be answered from the cache", n)
	}
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10 s")
		}
		time.Sleep(2 * time.Millisecond)
	}
}
