package datapath

import (
	"iter"
	"math/rand/v2"
	"net/netip"
	"sync/atomic"
)

// The SA tables are read by the pump on every packet and written when the
// IKE engine installs or removes SAs: on a server, at every session up,
// rekey and down, for thousands of sessions. So readers take no lock and
// allocate nothing, and a write costs O(1) amortised rather than a copy of
// the whole table:
//
//   - inbound SAs by SPI, the server's per-client host routes (/32, /128)
//     and the peers live in lfMaps, edited in place entry by entry;
//   - the other outbound prefixes, few on a server and few in all on a
//     client, sit in a small slice sorted longest first, copied on change
//     and swapped in through an atomic pointer.
//
// Every route and entry is immutable once readers can see it. A packet in
// flight may still use an SA that was just replaced, which is exactly what
// make-before-break needs. Writers are serialised by Device.mu.

// inRoute is one inbound SA.
type inRoute struct {
	sa Opener
	// allowed limits the inner source addresses this SA may carry
	// (RFC 4301 inbound policy check); empty allows any.
	allowed []netip.Prefix
}

// permits reports whether an inner packet from src may arrive on this SA.
func (r *inRoute) permits(src netip.Addr) bool {
	if len(r.allowed) == 0 {
		return true
	}
	for _, p := range r.allowed {
		if p.Contains(src) {
			return true
		}
	}
	return false
}

// outRoute is where packets for some inner destinations go.
type outRoute struct {
	sa   Sealer
	flow flow
	peer *peer
	mtu  int // the largest inner packet sa carries unfragmented
}

// peer is per-flow state shared by every route to that remote from that
// local address.
type peer struct {
	flow     flow
	lastSent atomic.Int64 // monotonic nanoseconds of the last datagram sent
	refs     int          // outbound entries using this peer; writer only
}

// prefixRoute is one non-host entry of the outbound table.
type prefixRoute struct {
	prefix netip.Prefix
	route  *outRoute
}

// tables holds both SA tables.
type tables struct {
	seed  uint64
	in    lfMap[uint32, *inRoute]
	hosts lfMap[netip.Addr, *outRoute]  // /32 and /128 entries
	nets  atomic.Pointer[[]prefixRoute] // other prefixes, longest first
	peers lfMap[flow, *peer]            // distinct remotes, for keepalives

	// Writer only: the master copy of nets, and how many outbound entries
	// carry each inner MTU (Device.InnerMTU is the smallest).
	netRoutes map[netip.Prefix]*outRoute
	mtus      map[int]int
}

func (t *tables) init() {
	t.seed = rand.Uint64()
	t.in.init()
	t.hosts.init()
	t.peers.init()
	t.netRoutes = map[netip.Prefix]*outRoute{}
	t.mtus = map[int]int{}
	t.publishNets()
}

// lookupIn finds the inbound SA for an SPI.
func (t *tables) lookupIn(spi uint32) *inRoute {
	r, _ := t.in.get(spi, hashSPI(spi, t.seed))
	return r
}

// lookupOut finds the route for an inner destination: exact host first,
// then the longest matching prefix.
func (t *tables) lookupOut(dst netip.Addr) *outRoute {
	if r, ok := t.hosts.get(dst, hashAddr(dst, t.seed)); ok {
		return r
	}
	nets := *t.nets.Load()
	for i := range nets {
		if nets[i].prefix.Contains(dst) {
			return nets[i].route
		}
	}
	return nil
}

// peer finds the shared state of a flow.
func (t *tables) peer(f flow) *peer {
	p, _ := t.peers.get(f, hashFlow(f, t.seed))
	return p
}

// allPeers yields every remote some outbound entry uses.
func (t *tables) allPeers() iter.Seq[*peer] { return t.peers.values() }
