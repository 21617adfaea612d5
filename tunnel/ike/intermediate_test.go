package ike

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"flexvpn/test/pki"
	"flexvpn/tunnel/ike/eap"
	"flexvpn/tunnel/ike/wire"
)

// hybrid is an IKE proposal whose main key exchange is ke and whose
// additional ones are addke, in ADDKE order.
func hybrid(ke uint16, addke ...[]uint16) Proposal {
	p := Proposal{Encr: []Cipher{{wire.ENCR_AES_GCM_16, 256}}, PRF: []uint16{wire.PRF_HMAC_SHA2_384}, KE: []uint16{ke}}
	copy(p.AddKE[:], addke)
	return p
}

var classicGCM = Proposal{Encr: []Cipher{{wire.ENCR_AES_GCM_16, 128}}, PRF: []uint16{wire.PRF_HMAC_SHA2_256}, KE: []uint16{wire.KE_CURVE25519}}

// exchangeLog records the (exchange, message ID, response) of every
// datagram and how many were SKF fragments, per exchange.
type exchangeLog struct {
	mu        sync.Mutex
	seen      []wire.Header
	fragments map[wire.ExchangeType]int
}

func watchExchanges(tb *testbed) *exchangeLog {
	l := &exchangeLog{fragments: map[wire.ExchangeType]int{}}
	tb.pipe.Filter(func(pkt []byte, _, _ netip.AddrPort) bool {
		if len(pkt) >= 4 && bytes.Equal(pkt[:4], nonESPMarker[:]) {
			pkt = pkt[4:]
		}
		h, err := wire.DecodeHeader(pkt)
		if err != nil {
			return true
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		if h.NextPayload == wire.PayloadSKF {
			l.fragments[h.Exchange]++
		}
		if n := len(l.seen); n == 0 || l.seen[n-1] != h {
			l.seen = append(l.seen, h)
		}
		return true
	})
	return l
}

// ids lists the message IDs of the requests of exchange ex.
func (l *exchangeLog) ids(ex wire.ExchangeType) []uint32 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []uint32
	for _, h := range l.seen {
		if h.Exchange == ex && !h.IsResponse() && (len(out) == 0 || out[len(out)-1] != h.MessageID) {
			out = append(out, h.MessageID)
		}
	}
	return out
}

// serverSA returns the responder's only IKE SA.
func serverSA(t *testing.T, tb *testbed) *SA {
	t.Helper()
	sas := tb.server.SAs()
	if len(sas) != 1 {
		t.Fatalf("server has %d SAs", len(sas))
	}
	return sas[0]
}

// sameIKEKeys checks that both ends derived the same SK_d and report the
// same number of IKE_INTERMEDIATE rounds.
func sameIKEKeys(t *testing.T, c, s *SA, rounds uint32) {
	t.Helper()
	var ck, sk []byte
	var cr, sr uint32
	c.read(func() { ck, cr = bytes.Clone(c.keys.SKd), c.inter.rounds })
	s.read(func() { sk, sr = bytes.Clone(s.keys.SKd), s.inter.rounds })
	if !bytes.Equal(ck, sk) || len(ck) == 0 {
		t.Fatal("client and server derived different SK_d")
	}
	if cr != rounds || sr != rounds {
		t.Fatalf("IKE_INTERMEDIATE rounds: client %d, server %d, want %d", cr, sr, rounds)
	}
}

// TestHybridHandshake: X25519 in IKE_SA_INIT, then ML-KEM-768 in one
// IKE_INTERMEDIATE (message ID 1) whose 1184-byte key cannot fit the
// small fragment size, so both directions fragment it; IKE_AUTH follows
// with message ID 2, AUTH covering IntAuth, and the Child SA keys pair.
func TestHybridHandshake(t *testing.T) {
	p := []Proposal{hybrid(wire.KE_CURVE25519, []uint16{wire.KE_MLKEM768})}
	c, s := pskClient(), pskServer()
	c.IKEProposals, s.IKEProposals = p, p
	c.FragmentSize, s.FragmentSize = 400, 400
	tb := newTestbed(t, s)
	log := watchExchanges(tb)
	sa, err := tb.connect(t, c)
	if err != nil {
		t.Fatal(err)
	}
	pairChildren(t, tb.cev.wait(t, EventChildUp).Child, tb.sev.wait(t, EventChildUp).Child)
	sameIKEKeys(t, sa, serverSA(t, tb), 1)
	if got := sa.AdditionalKeyExchanges(); len(got) != 1 || got[0] != wire.KE_MLKEM768 {
		t.Errorf("AdditionalKeyExchanges %v", got)
	}
	if got := log.ids(wire.IKE_INTERMEDIATE); len(got) != 1 || got[0] != 1 {
		t.Errorf("IKE_INTERMEDIATE message IDs %v, want [1]", got)
	}
	if got := log.ids(wire.IKE_AUTH); len(got) == 0 || got[0] != 2 {
		t.Errorf("IKE_AUTH message IDs %v, want to start at 2", got)
	}
	if log.fragments[wire.IKE_INTERMEDIATE] < 6 {
		t.Errorf("only %d IKE_INTERMEDIATE fragments; the ML-KEM payloads should need several each way", log.fragments[wire.IKE_INTERMEDIATE])
	}
}

// TestMultipleAdditionalKeyExchanges: ECP-256, then ML-KEM-768 (ADDKE1)
// and ML-KEM-1024 (ADDKE2) in two IKE_INTERMEDIATE exchanges; the
// initiator also offers NONE for ADDKE2 after ML-KEM-1024, and the
// responder takes the initiator's first choice.
func TestMultipleAdditionalKeyExchanges(t *testing.T) {
	c, s := pskClient(), pskServer()
	c.IKEProposals = []Proposal{hybrid(wire.KE_ECP256, []uint16{wire.KE_MLKEM768}, []uint16{wire.KE_MLKEM1024, 0})}
	s.IKEProposals = []Proposal{hybrid(wire.KE_ECP256, []uint16{wire.KE_MLKEM768}, []uint16{0, wire.KE_MLKEM1024})}
	tb := newTestbed(t, s)
	log := watchExchanges(tb)
	sa, err := tb.connect(t, c)
	if err != nil {
		t.Fatal(err)
	}
	pairChildren(t, tb.cev.wait(t, EventChildUp).Child, tb.sev.wait(t, EventChildUp).Child)
	sameIKEKeys(t, sa, serverSA(t, tb), 2)
	if got := serverSA(t, tb).AdditionalKeyExchanges(); len(got) != 2 || got[0] != wire.KE_MLKEM768 || got[1] != wire.KE_MLKEM1024 {
		t.Errorf("server AdditionalKeyExchanges %v", got)
	}
	if got := log.ids(wire.IKE_INTERMEDIATE); len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Errorf("IKE_INTERMEDIATE message IDs %v, want [1 2]", got)
	}
	if got := log.ids(wire.IKE_AUTH); len(got) == 0 || got[0] != 3 {
		t.Errorf("IKE_AUTH message IDs %v, want to start at 3", got)
	}
}

// TestOptionalAddKENone: both sides allow NONE for ADDKE1 and the
// initiator prefers it: no IKE_INTERMEDIATE runs and AUTH is classic.
func TestOptionalAddKENone(t *testing.T) {
	c, s := pskClient(), pskServer()
	c.IKEProposals = []Proposal{hybrid(wire.KE_CURVE25519, []uint16{0, wire.KE_MLKEM768})}
	s.IKEProposals = []Proposal{hybrid(wire.KE_CURVE25519, []uint16{wire.KE_MLKEM768, 0})}
	tb := newTestbed(t, s)
	log := watchExchanges(tb)
	sa, err := tb.connect(t, c)
	if err != nil {
		t.Fatal(err)
	}
	sameIKEKeys(t, sa, serverSA(t, tb), 0)
	if got := log.ids(wire.IKE_INTERMEDIATE); len(got) != 0 {
		t.Errorf("IKE_INTERMEDIATE ran: %v", got)
	}
}

// TestTamperedIntermediateFailsAuth: when the responder's view of the
// initiator's IKE_INTERMEDIATE differs from what the initiator sent (one
// bit of its IntAuth chain flipped before IKE_AUTH arrives), the AUTH
// payload no longer verifies and the handshake fails with
// AUTHENTICATION_FAILED on both sides.
func TestTamperedIntermediateFailsAuth(t *testing.T) {
	p := []Proposal{hybrid(wire.KE_CURVE25519, []uint16{wire.KE_MLKEM768})}
	c, s := pskClient(), pskServer()
	c.IKEProposals, s.IKEProposals = p, p
	tb := newTestbed(t, s)
	var once sync.Once
	tb.pipe.Filter(func(pkt []byte, _, to netip.AddrPort) bool {
		h, err := wire.DecodeHeader(pkt)
		if err == nil && h.Exchange == wire.IKE_AUTH && !h.IsResponse() && to.Addr() == serverAddr {
			once.Do(func() {
				srv := tb.server.SAs()[0]
				srv.read(func() { srv.inter.intAuthI[0] ^= 1 })
			})
		}
		return true
	})
	_, err := tb.connect(t, c)
	if !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("client error %v, want ErrAuthFailed", err)
	}
	if e := tb.sev.wait(t, EventClosed); !errors.Is(e.Err, ErrAuthFailed) {
		t.Fatalf("server error %v, want ErrAuthFailed", e.Err)
	}
}

// TestPeerWithoutIntermediate: a peer that predates RFC 9242/9370 (no
// INTERMEDIATE_EXCHANGE_SUPPORTED, ADDKE transforms unknown to it) and
// a hybrid-first peer agree on the classic proposal, in both roles.
func TestPeerWithoutIntermediate(t *testing.T) {
	both := []Proposal{hybrid(wire.KE_CURVE25519, []uint16{wire.KE_MLKEM768}), classicGCM}
	for _, oldServer := range []bool{true, false} {
		c, s := pskClient(), pskServer()
		c.IKEProposals, s.IKEProposals = both, both
		if oldServer {
			s.NoIntermediate = true
		} else {
			// An old client knows only classic proposals; the server
			// must skip its hybrid first one.
			c.NoIntermediate, c.IKEProposals = true, []Proposal{classicGCM}
		}
		tb := newTestbed(t, s)
		log := watchExchanges(tb)
		sa, err := tb.connect(t, c)
		if err != nil {
			t.Fatalf("old server %v: %v", oldServer, err)
		}
		sameIKEKeys(t, sa, serverSA(t, tb), 0)
		var suite string
		sa.read(func() { suite = sa.suite.String() })
		if suite != "aes128gcm16-prfsha256-curve25519" || len(log.ids(wire.IKE_INTERMEDIATE)) != 0 {
			t.Errorf("old server %v: suite %s, intermediate %v", oldServer, suite, log.ids(wire.IKE_INTERMEDIATE))
		}
	}
}

// TestHybridOnlyAgainstOldPeer: with nothing but a hybrid proposal, an
// old responder has no proposal to choose.
func TestHybridOnlyAgainstOldPeer(t *testing.T) {
	c, s := pskClient(), pskServer()
	c.IKEProposals = []Proposal{hybrid(wire.KE_CURVE25519, []uint16{wire.KE_MLKEM768})}
	s.IKEProposals = []Proposal{hybrid(wire.KE_CURVE25519, []uint16{wire.KE_MLKEM768}), classicGCM}
	s.NoIntermediate = true
	tb := newTestbed(t, s)
	if _, err := tb.connect(t, c); !errors.Is(err, ErrNoProposal) {
		var pe *PeerError
		if !errors.As(err, &pe) || pe.Type != wire.NO_PROPOSAL_CHOSEN {
			t.Fatalf("err %v, want NO_PROPOSAL_CHOSEN", err)
		}
	}
}

// TestHybridIKERekeyAndChildRekey: an IKE SA made with additional key
// exchanges rekeys with them too, the CREATE_CHILD_SA followed by one
// IKE_FOLLOWUP_KE per additional exchange (RFC 9370 2.2.4), with and
// without loss; Child SAs rekey with PFS afterwards.
func TestHybridIKERekeyAndChildRekey(t *testing.T) {
	for _, drop := range []int{0, 5} {
		t.Run(fmt.Sprintf("drop%d", drop), func(t *testing.T) { hybridRekey(t, drop) })
	}
}

func hybridRekey(t *testing.T, drop int) {
	p := []Proposal{hybrid(wire.KE_CURVE25519, []uint16{wire.KE_MLKEM768}, []uint16{wire.KE_MLKEM1024})}
	c, s := pskClient(), pskServer()
	c.IKEProposals, s.IKEProposals = p, p
	c.PFSOnRekey = true
	c.RetransmitN, s.RetransmitN = 12, 12
	tb := newTestbed(t, s)
	log := watchExchanges(tb)
	tb.pipe.DropEvery(drop)
	sa, err := tb.connect(t, c)
	if err != nil {
		t.Fatal(err)
	}
	child := tb.cev.wait(t, EventChildUp).Child
	var oldSKd []byte
	sa.read(func() { oldSKd = bytes.Clone(sa.keys.SKd) })
	if err := sa.RekeyIKE(); err != nil {
		t.Fatal(err)
	}
	tb.cev.wait(t, EventIKERekeyed)
	tb.sev.wait(t, EventIKERekeyed)
	sameIKEKeys(t, sa, serverSA(t, tb), 2)
	if got := log.ids(wire.IKE_FOLLOWUP_KE); len(got) != 2 {
		t.Errorf("IKE_FOLLOWUP_KE requests %v, want two", got)
	}
	var newSKd []byte
	sa.read(func() { newSKd = bytes.Clone(sa.keys.SKd) })
	if bytes.Equal(oldSKd, newSKd) {
		t.Fatal("IKE rekey kept SK_d")
	}
	if err := sa.RekeyChild(child.InSPI); err != nil {
		t.Fatal(err)
	}
	pairChildren(t, tb.cev.wait(t, EventChildRekeyed).Child, tb.sev.wait(t, EventChildRekeyed).Child)
	if n := len(tb.sev.all(EventClosed)) + len(tb.cev.all(EventClosed)); n != 0 {
		t.Fatalf("%d SAs closed", n)
	}
}

// TestHybridHandshakeUnderLoss: every fifth or seventh datagram lost, fragments
// included. A lost IKE_INTERMEDIATE answer makes the initiator resend
// its request under the keys before the update, which the responder
// still verifies to resend the cached answer.
func TestHybridHandshakeUnderLoss(t *testing.T) {
	p := []Proposal{hybrid(wire.KE_CURVE25519, []uint16{wire.KE_MLKEM768}, []uint16{wire.KE_MLKEM1024})}
	for _, n := range []int{5, 7} { // not a multiple of a try's fragment count, which would lose the same fragment every time
		c, s := pskClient(), pskServer()
		c.IKEProposals, s.IKEProposals = p, p
		c.RetransmitN, s.RetransmitN = 12, 12
		tb := newTestbed(t, s)
		tb.pipe.DropEvery(n)
		sa, err := tb.connect(t, c)
		if err != nil {
			t.Fatalf("dropping every %d: %v", n, err)
		}
		sameIKEKeys(t, sa, serverSA(t, tb), 2)
	}
}

// TestHybridWithEAPAndCertificates: the IntAuth suffix is part of every
// AUTH computation, so certificate signatures and EAP's MSK-keyed AUTH
// work over a hybrid IKE SA too.
func TestHybridWithEAPAndCertificates(t *testing.T) {
	p := []Proposal{hybrid(wire.KE_CURVE25519, []uint16{wire.KE_MLKEM768})}
	ec, es := eapConfigs(t, eap.TypeMSCHAPv2, "Secr3t pass")
	ca, gw, cl := certPair(t, pki.ECDSAP256)
	cc, cs := certConfigs(ca, gw, cl)
	for name, pair := range map[string][2]Config{"eap": {ec, es}, "cert": {cc, cs}} {
		c, s := pair[0], pair[1]
		c.IKEProposals, s.IKEProposals = p, p
		tb := newTestbed(t, s)
		sa, err := tb.connect(t, c)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sameIKEKeys(t, sa, serverSA(t, tb), 1)
		pairChildren(t, tb.cev.wait(t, EventChildUp).Child, tb.sev.wait(t, EventChildUp).Child)
	}
}

// TestResponderEnforcesAddKE: an initiator that skips the negotiated
// additional key exchange (IKE_AUTH with message ID 1) or runs another
// method than the one chosen gets INVALID_SYNTAX, and the responder
// drops the half-made SA rather than authenticate a classic-only one.
func TestResponderEnforcesAddKE(t *testing.T) {
	p := []Proposal{hybrid(wire.KE_CURVE25519, []uint16{wire.KE_MLKEM768})}
	rogue := map[string]func(sa *SA) (wire.ExchangeType, []wire.Payload){
		"IKE_AUTH first": func(sa *SA) (wire.ExchangeType, []wire.Payload) {
			return wire.IKE_AUTH, []wire.Payload{sa.cfg.LocalID.payload(false), &wire.Auth{Method: wire.AuthSharedKey, Data: make([]byte, 32)}}
		},
		"wrong method": func(sa *SA) (wire.ExchangeType, []wire.Payload) {
			return wire.IKE_INTERMEDIATE, []wire.Payload{&wire.KE{Group: wire.KE_MLKEM1024, Data: make([]byte, 1568)}}
		},
	}
	for name, build := range rogue {
		t.Run(name, func(t *testing.T) {
			c, s := pskClient(), pskServer()
			c.IKEProposals, s.IKEProposals = p, p
			tb := newTestbed(t, s)
			tb.cev.setHook(func(e Event) {
				if e.Kind != EventState || e.State != StateAuthSent {
					return
				}
				// On the client's goroutine, right after IKE_SA_INIT and
				// before its own IKE_INTERMEDIATE: send the rogue request.
				ex, ps := build(e.SA)
				pkts, err := e.SA.encode(ex, 1, false, ps)
				if err != nil {
					t.Error(err)
					return
				}
				e.SA.transmit(pkts, e.SA.local, e.SA.remote)
			})
			tb.connect(t, c)
			closed := tb.sev.wait(t, EventClosed)
			var ne *wire.NotifyError
			if !errors.As(closed.Err, &ne) || ne.Type != wire.INVALID_SYNTAX {
				t.Fatalf("server ended with %v, want INVALID_SYNTAX", closed.Err)
			}
			if len(tb.sev.all(EventUp)) != 0 {
				t.Fatal("server brought the SA up")
			}
		})
	}
}

// TestRefusedHybridRekeyCloses: when the peer refuses the rekey of a
// hybrid IKE SA for its proposals, the initiator does not retry forever: it
// deletes the SA and ends with ErrRekeyRefused (not ErrNoProposal, on
// which clients stop) and a hint to reconnect, which reauthenticates.
func TestRefusedHybridRekeyCloses(t *testing.T) {
	p := []Proposal{hybrid(wire.KE_CURVE25519, []uint16{wire.KE_MLKEM768})}
	c, s := pskClient(), pskServer()
	c.IKEProposals, s.IKEProposals = p, p
	tb := newTestbed(t, s)
	sa, err := tb.connect(t, c)
	if err != nil {
		t.Fatal(err)
	}
	srv := serverSA(t, tb)
	srv.read(func() { srv.cfg.IKEProposals = []Proposal{classicGCM} }) // nothing our rekey offers
	if err := sa.RekeyIKE(); err != nil {
		t.Fatal(err)
	}
	closed := tb.cev.wait(t, EventClosed)
	if !errors.Is(closed.Err, ErrRekeyRefused) || errors.Is(closed.Err, ErrNoProposal) || !strings.Contains(closed.Message, "reconnect") {
		t.Fatalf("client ended with %v (%q)", closed.Err, closed.Message)
	}
	if e := tb.sev.wait(t, EventClosed); !errors.Is(e.Err, ErrPeerDeleted) {
		t.Fatalf("server ended with %v, want the client's Delete", e.Err)
	}
}

// TestAbandonedFollowupExpires: a peer's hybrid rekey that never sent its
// IKE_FOLLOWUP_KE holds off our own rekey only for the peer's
// retransmission time; after that our rekey runs.
func TestAbandonedFollowupExpires(t *testing.T) {
	p := []Proposal{hybrid(wire.KE_CURVE25519, []uint16{wire.KE_MLKEM768})}
	c, s := pskClient(), pskServer()
	c.IKEProposals, s.IKEProposals = p, p
	tb := newTestbed(t, s)
	if _, err := tb.connect(t, c); err != nil {
		t.Fatal(err)
	}
	srv := serverSA(t, tb)
	var live bool
	srv.read(func() {
		srv.fuResp = &followupResp{started: time.Now(), pending: []uint16{wire.KE_MLKEM768}}
		live = srv.followupPending()
		srv.fuResp.started = time.Now().Add(-time.Hour)
	})
	if !live {
		t.Fatal("a fresh follow-up state counts as abandoned")
	}
	if err := srv.RekeyIKE(); err != nil {
		t.Fatal(err)
	}
	tb.sev.wait(t, EventIKERekeyed)
	tb.cev.wait(t, EventIKERekeyed)
}
