package server

import (
	"context"
	"fmt"
	"net/netip"
	"testing"

	"flexvpn/tunnel/ike"
	"flexvpn/tunnel/ike/wire"
)

// TestSessionsBindBySA: two IKE SAs of one peer (same outer address and
// identity, as with a second tunnel that leaves out INITIAL_CONTACT)
// each get the session their own config hook admitted, in whatever
// order their Child SAs come up.
func TestSessionsBindBySA(t *testing.T) {
	s := idleServer()
	remote := netip.MustParseAddrPort("198.51.100.7:4500")
	id := ike.EmailIdentity("alice@example.com")
	sa1, sa2 := &ike.SA{}, &ike.SA{}
	admit := func(sa *ike.SA, ip string) *live {
		peer := ike.PeerInfo{ID: id, Remote: remote, SA: sa}
		l, err := s.admit(context.Background(), peer, "email:alice@example.com", Lease{IP4: netip.MustParseAddr(ip)}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	l1, l2 := admit(sa1, "203.0.113.2"), admit(sa2, "203.0.113.3")
	s.peers[sa1], s.peers[sa2] = id, id
	child := &ike.ChildSA{Remote: remote}
	s.bind(sa2, child)
	s.bind(sa1, child)
	if s.bySA[sa1] != l1 || s.bySA[sa2] != l2 {
		t.Fatalf("sa1 bound to %+v, sa2 to %+v; want their own sessions", s.bySA[sa1], s.bySA[sa2])
	}
	if n := s.reg.Count(); n != 2 || len(s.pending) != 0 {
		t.Fatalf("%d sessions registered, %d pending; want 2 and 0", n, len(s.pending))
	}
}

// TestChildSelectorsFromSession: the session the config hook admitted
// decides both sides of its SA's Child SAs; an SA without one keeps the
// Endpoint's lists.
func TestChildSelectorsFromSession(t *testing.T) {
	s := idleServer()
	sa, other := &ike.SA{}, &ike.SA{}
	lan := wire.SelectorFromPrefix(netip.MustParsePrefix("198.51.100.0/24"))
	allowed := []netip.Prefix{netip.MustParsePrefix("203.0.113.2/32"), netip.MustParsePrefix("192.0.2.64/26")}
	peer := ike.PeerInfo{ID: ike.EmailIdentity("alice@example.com"), Remote: netip.MustParseAddrPort("198.51.100.7:4500"), SA: sa}
	if _, err := s.admit(context.Background(), peer, "email:alice@example.com", Lease{}, allowed, []wire.TrafficSelector{lan}); err != nil {
		t.Fatal(err)
	}
	local, remote := s.childSelectors(peer)
	if fmt.Sprint(local) != fmt.Sprint([]wire.TrafficSelector{lan}) || len(remote) != 2 ||
		selectorPrefix(t, remote[0]) != allowed[0] || selectorPrefix(t, remote[1]) != allowed[1] {
		t.Fatalf("childSelectors = %v, %v", local, remote)
	}
	peer.SA = other
	if local, remote := s.childSelectors(peer); local != nil || remote != nil {
		t.Fatalf("SA without a session: %v, %v; want the defaults (nil)", local, remote)
	}
}
