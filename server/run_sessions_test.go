package server

import (
	"context"
	"net/netip"
	"testing"

	"flexvpn/tunnel/ike"
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
		l, err := s.admit(context.Background(), peer, "email:alice@example.com", Lease{IP4: netip.MustParseAddr(ip)}, nil)
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
