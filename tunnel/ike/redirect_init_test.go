package ike

import (
	"errors"
	"net/netip"
	"sync"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

// TestRedirectInitSeesRedirectedFrom: the IKE_SA_INIT hook learns the
// gateway the peer names in REDIRECTED_FROM, and Redirect is no longer
// asked with a nil peer once RedirectInit is set.
func TestRedirectInitSeesRedirectedFrom(t *testing.T) {
	s := pskServer()
	var mu sync.Mutex
	var seen []*wire.GatewayID
	s.RedirectInit = func(_ netip.AddrPort, from *wire.GatewayID) (wire.GatewayID, bool) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, from)
		return gw2, from != nil
	}
	nilPeerAsked := false
	s.Redirect = func(_ netip.AddrPort, p *PeerInfo) (wire.GatewayID, bool) {
		mu.Lock()
		defer mu.Unlock()
		nilPeerAsked = nilPeerAsked || p == nil
		return wire.GatewayID{}, false
	}
	tb := newTestbed(t, s)

	// A fresh client: the hook sees no origin and keeps it here.
	if _, err := tb.connect(t, pskClient()); err != nil {
		t.Fatal(err)
	}
	c := pskClient()
	old := wire.GatewayID{Addr: netip.MustParseAddr("192.0.2.77")}
	c.RedirectedFrom = &old
	if _, err := tb.connect(t, c); !errors.Is(err, ErrRedirected) {
		t.Fatalf("client from %v: error %v", old.Addr, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 || seen[0] != nil || seen[1] == nil || seen[1].Addr != old.Addr {
		t.Fatalf("RedirectInit saw %v", seen)
	}
	if nilPeerAsked {
		t.Fatal("Redirect asked with a nil peer although RedirectInit is set")
	}
}

// TestRedirectInitNotBack: whatever RedirectInit answers, a peer is not
// sent back to the gateway it came from.
func TestRedirectInitNotBack(t *testing.T) {
	s := pskServer()
	s.RedirectInit = func(_ netip.AddrPort, from *wire.GatewayID) (wire.GatewayID, bool) {
		if from == nil {
			return wire.GatewayID{}, false
		}
		return *from, true
	}
	tb := newTestbed(t, s)
	c := pskClient()
	c.RedirectedFrom = &gw2
	if _, err := tb.connect(t, c); err != nil {
		t.Fatalf("redirected back: %v", err)
	}
}
