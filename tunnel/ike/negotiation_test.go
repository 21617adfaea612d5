package ike

import (
	"errors"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

// TestProposalMatrix negotiates every cipher family with every kind of
// key exchange; the responder offers exactly one combination, so the
// suite in use is known.
func TestProposalMatrix(t *testing.T) {
	ciphers := map[string]Proposal{
		"aes-gcm-256": {Encr: []Cipher{{wire.ENCR_AES_GCM_16, 256}}, PRF: []uint16{wire.PRF_HMAC_SHA2_256}},
		"chacha20":    {Encr: []Cipher{{wire.ENCR_CHACHA20_POLY1305, 0}}, PRF: []uint16{wire.PRF_HMAC_SHA2_512}},
		"aes-cbc-256": {Encr: []Cipher{{wire.ENCR_AES_CBC, 256}}, Integ: []uint16{wire.AUTH_HMAC_SHA2_256_128}, PRF: []uint16{wire.PRF_HMAC_SHA2_384}},
	}
	groups := map[string]uint16{"x25519": wire.KE_CURVE25519, "ecp256": wire.KE_ECP256, "ecp384": wire.KE_ECP384, "modp2048": wire.KE_MODP2048}
	for cn, cp := range ciphers {
		for gn, g := range groups {
			t.Run(cn+"/"+gn, func(t *testing.T) {
				p := cp
				p.KE = []uint16{g}
				s := pskServer()
				s.IKEProposals = []Proposal{p}
				tb := newTestbed(t, s)
				sa, err := tb.connect(t, pskClient())
				if err != nil {
					t.Fatal(err)
				}
				var got uint16
				sa.do(func() { got = sa.suite.KE })
				if got != g {
					t.Fatalf("group %d, want %d", got, g)
				}
				pairChildren(t, tb.cev.wait(t, EventChildUp).Child, tb.sev.wait(t, EventChildUp).Child)
			})
		}
	}
}

// TestNoProposalChosenLegacyHint: a gateway that only speaks the IOS
// smart-default (DH 5/2) refuses our modern offer; the error names the fix.
func TestNoProposalChosenLegacyHint(t *testing.T) {
	s := pskServer()
	s.AllowLegacy = true
	s.IKEProposals = []Proposal{LegacyIKEProposal()}
	tb := newTestbed(t, s)
	_, err := tb.connect(t, pskClient())
	if !errors.Is(err, ErrNoProposal) || !strings.Contains(err.Error(), "AllowLegacy") {
		t.Fatalf("error %v", err)
	}
	ev := tb.cev.wait(t, EventClosed)
	if !strings.Contains(ev.Message, "AllowLegacy") {
		t.Errorf("user message %q does not name the fix", ev.Message)
	}
	// With the opt-in the same gateway works.
	c := pskClient()
	c.AllowLegacy = true
	if _, err := tb.connect(t, c); err != nil {
		t.Fatalf("with AllowLegacy: %v", err)
	}
}

// countInit counts IKE_SA_INIT requests crossing the pipe.
func countInit(tb *testbed) *atomic.Int32 {
	var n atomic.Int32
	tb.pipe.Filter(func(pkt []byte, _, _ netip.AddrPort) bool {
		if h, err := wire.DecodeHeader(pkt); err == nil && h.Exchange == wire.IKE_SA_INIT && !h.IsResponse() {
			n.Add(1)
		}
		return true
	})
	return &n
}

// TestInvalidKERetry: we guess X25519, the gateway wants ECP-256:
//
//	IKE_SA_INIT KE(31)  -->   <-- N(INVALID_KE_PAYLOAD, 19)
//	IKE_SA_INIT KE(19)  -->   <-- SA, KE(19), Nr
func TestInvalidKERetry(t *testing.T) {
	s := pskServer()
	s.IKEProposals = DefaultIKEProposals()
	for i := range s.IKEProposals {
		s.IKEProposals[i].KE = []uint16{wire.KE_ECP256}
	}
	tb := newTestbed(t, s)
	n := countInit(tb)
	sa, err := tb.connect(t, pskClient())
	if err != nil {
		t.Fatal(err)
	}
	if n.Load() != 2 {
		t.Errorf("%d IKE_SA_INIT requests, want 2", n.Load())
	}
	var g uint16
	sa.do(func() { g = sa.suite.KE })
	if g != wire.KE_ECP256 {
		t.Errorf("group %d", g)
	}
}

// TestCookie: a responder under load answers statelessly with a COOKIE
// and the initiator retries with it first:
//
//	IKE_SA_INIT SA, KE, Ni            -->   <-- N(COOKIE)
//	IKE_SA_INIT N(COOKIE), SA, KE, Ni -->   <-- SA, KE, Nr
func TestCookie(t *testing.T) {
	s := pskServer()
	s.HalfOpenMax = -1
	tb := newTestbed(t, s)
	n := countInit(tb)
	if _, err := tb.connect(t, pskClient()); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 2 {
		t.Errorf("%d IKE_SA_INIT requests, want 2", n.Load())
	}
}

func TestCookieJar(t *testing.T) {
	j := newCookieJar()
	ni, ip := []byte("nonce-nonce-nonce"), netip.MustParseAddr("192.0.2.9")
	c := j.make(ni, ip, 42)
	if !j.check(c, ni, ip, 42) {
		t.Fatal("own cookie refused")
	}
	if j.check(c, ni, ip, 43) || j.check(c, ni, netip.MustParseAddr("192.0.2.10"), 42) || j.check(c[:5], ni, ip, 42) {
		t.Fatal("cookie accepted for another initiator")
	}
	j.mu.Lock()
	j.rotate(j.rotated)
	j.mu.Unlock()
	if !j.check(c, ni, ip, 42) {
		t.Fatal("cookie from the previous secret refused")
	}
	j.mu.Lock()
	j.rotate(j.rotated)
	j.mu.Unlock()
	if j.check(c, ni, ip, 42) {
		t.Fatal("cookie two secrets old accepted")
	}
}
