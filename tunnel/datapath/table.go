package datapath

import (
	"cmp"
	"net/netip"
	"slices"
	"sync/atomic"
)

// The SA tables are read by the pump on every packet and written only when
// the IKE engine installs or removes SAs. Readers load an immutable snapshot
// through an atomic pointer; writers (serialised by Device.mu) build a new
// snapshot and swap it in. A packet in flight may still use an SA that was
// just replaced, which is exactly what make-before-break needs.

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
}

// peer is per-flow state shared by every route to that remote from that
// local address.
type peer struct {
	flow     flow
	lastSent atomic.Int64 // monotonic nanoseconds of the last datagram sent
}

// prefixRoute is one non-host entry of the outbound table.
type prefixRoute struct {
	prefix netip.Prefix
	route  *outRoute
}

// tables is one immutable snapshot of both SA tables.
type tables struct {
	in    map[uint32]*inRoute
	hosts map[netip.Addr]*outRoute // /32 and /128 entries: the server's per-client routes
	nets  []prefixRoute            // other prefixes, longest first
	peers []*peer                  // distinct remotes, for keepalives
}

// lookupOut finds the route for an inner destination: exact host first,
// then the longest matching prefix.
func (t *tables) lookupOut(dst netip.Addr) *outRoute {
	if r := t.hosts[dst]; r != nil {
		return r
	}
	for i := range t.nets {
		if t.nets[i].prefix.Contains(dst) {
			return t.nets[i].route
		}
	}
	return nil
}

// tableBuilder is the mutable master copy the writer edits.
type tableBuilder struct {
	in    map[uint32]*inRoute
	out   map[netip.Prefix]*outRoute
	peers map[flow]*peer
}

func newTableBuilder() *tableBuilder {
	return &tableBuilder{
		in:    map[uint32]*inRoute{},
		out:   map[netip.Prefix]*outRoute{},
		peers: map[flow]*peer{},
	}
}

// peerFor returns the shared state for f, keeping keepalive timing across
// SA changes to the same remote. A new peer counts as just sent to (at
// now): IKE has just talked to it.
func (b *tableBuilder) peerFor(f flow, now int64) *peer {
	if p := b.peers[f]; p != nil {
		return p
	}
	p := &peer{flow: f}
	p.lastSent.Store(now)
	b.peers[f] = p
	return p
}

// snapshot freezes the master copy into a new read-only table.
func (b *tableBuilder) snapshot() *tables {
	t := &tables{
		in:    make(map[uint32]*inRoute, len(b.in)),
		hosts: map[netip.Addr]*outRoute{},
	}
	for spi, r := range b.in {
		t.in[spi] = r
	}
	used := map[*peer]bool{}
	for p, r := range b.out {
		used[r.peer] = true
		if p.IsSingleIP() {
			t.hosts[p.Addr()] = r
			continue
		}
		t.nets = append(t.nets, prefixRoute{prefix: p, route: r})
	}
	slices.SortFunc(t.nets, func(a, b prefixRoute) int {
		return cmp.Or(cmp.Compare(b.prefix.Bits(), a.prefix.Bits()), a.prefix.Addr().Compare(b.prefix.Addr()))
	})
	b.dropUnusedPeers(used)
	for _, p := range b.peers {
		t.peers = append(t.peers, p)
	}
	return t
}

func (b *tableBuilder) dropUnusedPeers(used map[*peer]bool) {
	for k, p := range b.peers {
		if !used[p] {
			delete(b.peers, k)
		}
	}
}
