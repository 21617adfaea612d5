package ike

import (
	"errors"
	"net/netip"
	"sync"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

var gw2 = wire.GatewayID{FQDN: "gw2.example.com"}

// TestRedirectInInit: the gateway's policy sends every new peer away in
// IKE_SA_INIT, echoing the initiator's nonce:
//
//	IKE_SA_INIT SA, KE, Ni, N(REDIRECT_SUPPORTED)  -->
//	                               <--  N(REDIRECT, gw2.example.com, Ni)
func TestRedirectInInit(t *testing.T) {
	s := pskServer()
	s.Redirect = func(netip.AddrPort, *PeerInfo) (wire.GatewayID, bool) { return gw2, true }
	tb := newTestbed(t, s)
	_, err := tb.connect(t, pskClient())
	if !errors.Is(err, ErrRedirected) {
		t.Fatalf("error %v", err)
	}
	if ev := tb.cev.wait(t, EventRedirect); ev.Redirect != gw2 {
		t.Fatalf("redirect to %v", ev.Redirect)
	}
	if len(tb.server.SAs()) != 0 {
		t.Fatal("gateway kept state for a redirected peer")
	}
}

// TestRedirectWithoutNonceIgnored: a REDIRECT that does not echo our
// nonce (an off-path forgery) is dropped and we keep waiting for the
// real answer.
func TestRedirectWithoutNonceIgnored(t *testing.T) {
	tb := newTestbed(t, pskServer())
	var once sync.Once
	tb.pipe.Filter(func(pkt []byte, from, to netip.AddrPort) bool {
		h, err := wire.DecodeHeader(pkt)
		if err == nil && h.Exchange == wire.IKE_SA_INIT && !h.IsResponse() {
			once.Do(func() {
				n, _ := wire.NewRedirect(gw2, []byte("not the nonce you sent"))
				forged := &wire.Message{Header: wire.Header{SPIi: h.SPIi, SPIr: 99, Exchange: wire.IKE_SA_INIT, Flags: wire.FlagResponse},
					Payloads: []wire.Payload{n}}
				b, _ := forged.Encode()
				go tb.client.HandleDatagram(b, from, to)
			})
		}
		return true
	})
	if _, err := tb.connect(t, pskClient()); err != nil {
		t.Fatal(err)
	}
	if len(tb.cev.all(EventRedirect)) != 0 {
		t.Fatal("forged redirect reported")
	}
}

// TestRedirectInAuth: the policy redirects only after authentication;
// the client acts on it once the gateway's AUTH verified and deletes the
// SA without waiting.
func TestRedirectInAuth(t *testing.T) {
	s := pskServer()
	s.Redirect = func(_ netip.AddrPort, p *PeerInfo) (wire.GatewayID, bool) {
		return gw2, p != nil && p.ID.Equal(EmailIdentity("alice@example.com"))
	}
	tb := newTestbed(t, s)
	_, err := tb.connect(t, pskClient())
	if !errors.Is(err, ErrRedirected) {
		t.Fatalf("error %v", err)
	}
	tb.cev.wait(t, EventRedirect)
	if ev := tb.sev.wait(t, EventClosed); !errors.Is(ev.Err, ErrPeerDeleted) {
		t.Fatalf("gateway: %v", ev.Err)
	}
	if len(tb.sev.all(EventChildUp)) != 0 {
		t.Fatal("gateway installed a Child SA for a redirected peer")
	}
}

// TestRedirectedFrom: the follow-up initiation names the old gateway
// and does not offer REDIRECT_SUPPORTED again.
func TestRedirectedFrom(t *testing.T) {
	tb := newTestbed(t, pskServer())
	var mu sync.Mutex
	var from *wire.GatewayID
	var supported bool
	tb.pipe.Filter(func(pkt []byte, _, _ netip.AddrPort) bool {
		m, err := wire.Decode(pkt)
		if err == nil && m.Exchange == wire.IKE_SA_INIT && !m.IsResponse() {
			mu.Lock()
			defer mu.Unlock()
			if n := findNotify(m.Payloads, wire.REDIRECTED_FROM); n != nil {
				g, _ := wire.ParseRedirectedFrom(n)
				from = &g
			}
			supported = findNotify(m.Payloads, wire.REDIRECT_SUPPORTED) != nil
		}
		return true
	})
	c := pskClient()
	old := wire.GatewayID{Addr: netip.MustParseAddr("192.0.2.77")}
	c.RedirectedFrom = &old
	if _, err := tb.connect(t, c); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if from == nil || from.Addr != old.Addr || supported {
		t.Fatalf("REDIRECTED_FROM %v, REDIRECT_SUPPORTED %v", from, supported)
	}
}

// TestRedirectLoopGuard: after MaxRedirects redirects within five
// minutes the next one is refused with ErrRedirectLoop and no event.
func TestRedirectLoopGuard(t *testing.T) {
	s := pskServer()
	s.Redirect = func(netip.AddrPort, *PeerInfo) (wire.GatewayID, bool) { return gw2, true }
	tb := newTestbed(t, s)
	c := pskClient()
	c.MaxRedirects = 2
	for i := range 3 {
		_, err := tb.connect(t, c)
		want := ErrRedirected
		if i == 2 {
			want = ErrRedirectLoop
		}
		if !errors.Is(err, want) {
			t.Fatalf("attempt %d: %v, want %v", i+1, err, want)
		}
	}
	if n := len(tb.cev.all(EventRedirect)); n != 2 {
		t.Fatalf("%d redirect events, want 2", n)
	}
}
