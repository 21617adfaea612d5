package ike

import (
	"net/netip"
	"sync"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

// TestResponderInstallsChildBeforeAuthResponse proves the first Child SA
// is reported (and so installed in the data plane) before the IKE_AUTH
// response leaves: the initiator may send ESP as soon as it has read it.
func TestResponderInstallsChildBeforeAuthResponse(t *testing.T) {
	tb := newTestbed(t, pskServer())
	var mu sync.Mutex
	seen, childFirst := false, false
	tb.pipe.Filter(func(pkt []byte, from, _ netip.AddrPort) bool {
		h, err := wire.DecodeHeader(pkt)
		if err != nil || h.Exchange != wire.IKE_AUTH || !h.IsResponse() || from.Addr() != serverAddr {
			return true
		}
		mu.Lock()
		defer mu.Unlock()
		if !seen {
			seen, childFirst = true, len(tb.sev.all(EventChildUp)) == 1 && len(tb.sev.all(EventUp)) == 1
		}
		return true
	})
	if _, err := tb.connect(t, pskClient()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !seen || !childFirst {
		t.Fatalf("IKE_AUTH response seen %v, responder's EventUp and EventChildUp before it %v", seen, childFirst)
	}
	ups := tb.sev.all(EventUp)
	child := tb.sev.all(EventChildUp)
	tb.sev.mu.Lock()
	defer tb.sev.mu.Unlock()
	up, cu := -1, -1
	for i, e := range tb.sev.events {
		if e.Kind == EventUp && up < 0 {
			up = i
		}
		if e.Kind == EventChildUp && cu < 0 {
			cu = i
		}
	}
	if len(ups) != 1 || len(child) != 1 || up > cu {
		t.Fatalf("responder events: %d up, %d child-up, up at %d child-up at %d; want one each, up first", len(ups), len(child), up, cu)
	}
}
