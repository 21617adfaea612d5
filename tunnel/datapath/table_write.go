package datapath

import (
	"cmp"
	"net/netip"
	"slices"
)

// The writer side of tables; the caller holds Device.mu.

func (t *tables) setIn(spi uint32, r *inRoute) { t.in.set(spi, hashSPI(spi, t.seed), r) }

func (t *tables) removeIn(spi uint32) { t.in.delete(spi, hashSPI(spi, t.seed)) }

// peerFor returns the shared state for f, keeping keepalive timing across
// SA changes to the same remote. A new peer counts as just sent to (at
// now): IKE has just talked to it. The caller must then route at least
// one prefix through it, or the peer stays listed with no route.
func (t *tables) peerFor(f flow, now int64) *peer {
	if p := t.peer(f); p != nil {
		return p
	}
	p := &peer{flow: f}
	p.lastSent.Store(now)
	t.peers.set(f, hashFlow(f, t.seed), p)
	return p
}

// setOut routes each of keys (canonical prefixes) through r.
func (t *tables) setOut(keys []netip.Prefix, r *outRoute) {
	netsChanged := false
	for _, k := range keys {
		// Retain before releasing the old route: it may share r's peer.
		t.retain(r)
		var old *outRoute
		if k.IsSingleIP() {
			old, _ = t.hosts.set(k.Addr(), hashAddr(k.Addr(), t.seed), r)
		} else {
			old = t.netRoutes[k]
			t.netRoutes[k] = r
			netsChanged = true
		}
		if old != nil {
			t.release(old)
		}
	}
	if netsChanged {
		t.publishNets()
	}
}

// removeOut stops routing keys (canonical prefixes).
func (t *tables) removeOut(keys []netip.Prefix) {
	netsChanged := false
	for _, k := range keys {
		var old *outRoute
		if k.IsSingleIP() {
			old, _ = t.hosts.delete(k.Addr(), hashAddr(k.Addr(), t.seed))
		} else if old = t.netRoutes[k]; old != nil {
			delete(t.netRoutes, k)
			netsChanged = true
		}
		if old != nil {
			t.release(old)
		}
	}
	if netsChanged {
		t.publishNets()
	}
}

// retain counts one more outbound entry using r.
func (t *tables) retain(r *outRoute) {
	r.peer.refs++
	t.mtus[r.mtu]++
}

// release counts one outbound entry fewer using r, dropping its peer
// (and so its keepalives) with the last one.
func (t *tables) release(r *outRoute) {
	if r.peer.refs--; r.peer.refs == 0 {
		t.peers.delete(r.peer.flow, hashFlow(r.peer.flow, t.seed))
	}
	if t.mtus[r.mtu]--; t.mtus[r.mtu] == 0 {
		delete(t.mtus, r.mtu)
	}
}

// minMTU is the smallest inner MTU of the outbound entries; ok is false
// when there are none. The distinct values are few (one per transform
// and outer family), so this is cheap.
func (t *tables) minMTU() (mtu int, ok bool) {
	for m := range t.mtus {
		if !ok || m < mtu {
			mtu, ok = m, true
		}
	}
	return mtu, ok
}

// publishNets swaps in a fresh sorted copy of the non-host prefixes.
func (t *tables) publishNets() {
	nets := make([]prefixRoute, 0, len(t.netRoutes))
	for p, r := range t.netRoutes {
		nets = append(nets, prefixRoute{prefix: p, route: r})
	}
	slices.SortFunc(nets, func(a, b prefixRoute) int {
		return cmp.Or(cmp.Compare(b.prefix.Bits(), a.prefix.Bits()), a.prefix.Addr().Compare(b.prefix.Addr()))
	})
	t.nets.Store(&nets)
}
