package ike

import (
	"net/netip"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

// FuzzRespondIntermediate feeds arbitrary decrypted inner payloads, as
// IKE_INTERMEDIATE or IKE_AUTH requests, to a responder that has
// answered IKE_SA_INIT with a hybrid proposal and waits for the ML-KEM
// exchange (the initiator's own IKE_INTERMEDIATE is held back). Nothing
// may panic, and IKE_AUTH is never accepted while the exchange is owed.
func FuzzRespondIntermediate(f *testing.F) {
	_, ke, _ := wire.EncodePayloads([]wire.Payload{&wire.KE{Group: wire.KE_MLKEM768, Data: make([]byte, 1184)}})
	f.Add(uint8(wire.PayloadKE), ke, true)
	f.Add(uint8(wire.PayloadKE), ke[:40], true)
	f.Add(uint8(wire.PayloadIDi), []byte{0, 0, 0, 8, 1, 0, 0, 0}, false)
	p := []Proposal{hybrid(wire.KE_CURVE25519, []uint16{wire.KE_MLKEM768})}
	c, s := pskClient(), pskServer()
	c.IKEProposals, s.IKEProposals = p, p
	s.Logger = testLogger(f)
	tb := newTestbed(f, s)
	held := make(chan struct{}, 1)
	tb.pipe.Filter(func(pkt []byte, _, _ netip.AddrPort) bool {
		h, err := wire.DecodeHeader(pkt)
		if err == nil && h.Exchange == wire.IKE_INTERMEDIATE {
			select {
			case held <- struct{}{}:
			default:
			}
			return false
		}
		return true
	})
	sa, err := tb.client.Initiate(f.Context(), c, serverIKE)
	if err != nil {
		f.Fatal(err)
	}
	<-held
	srv := tb.server.SAs()[0]
	f.Fuzz(func(t *testing.T, first uint8, inner []byte, intermediate bool) {
		ps, err := wire.DecodePayloads(wire.PayloadType(first), inner)
		if err != nil {
			return
		}
		ex, id := wire.IKE_AUTH, uint32(1)
		if intermediate {
			ex = wire.IKE_INTERMEDIATE
		}
		h := wire.Header{SPIi: 0, Exchange: ex, Flags: wire.FlagInitiator, MessageID: id}
		var respErr error
		var state State
		var pending int
		srv.read(func() { // no t.Fatal on the SA goroutine: it would end it
			h.SPIi, h.SPIr = srv.spii, srv.spir
			_, _, respErr = srv.checkedRespond(&message{hdr: h, payloads: ps, first: wire.PayloadType(first), plain: inner})
			state, pending = srv.state, len(srv.inter.pending)
		})
		if ex == wire.IKE_AUTH && respErr == nil {
			t.Fatal("IKE_AUTH accepted before the additional key exchange")
		}
		if state != StateInitReplied || pending != 1 {
			t.Fatalf("responder moved on: %v, %d pending (%v)", state, pending, respErr)
		}
	})
	_ = sa
}
