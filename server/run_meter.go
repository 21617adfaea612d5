package server

import (
	"net/netip"
	"sync"
	"time"

	"flexvpn/tunnel/datapath"
	"flexvpn/tunnel/esp"
	"flexvpn/tunnel/link"
)

// meter sits between the Link and the Device and remembers which ESP SAs
// serve which inner address, so that `sessions` can show bytes per
// session from the SAs' own counters: nothing is added to the packet
// path. Bytes of SAs that are gone (rekeyed, removed) are kept in a
// per-address total until the session ends.
type meter struct {
	dev link.Device

	mu    sync.Mutex
	in    map[uint32]meteredIn // by inbound SPI
	out   map[netip.Addr]statser
	total map[netip.Addr]*byteCount
}

type statser interface{ Stats() esp.Stats }

type meteredIn struct {
	addr netip.Addr
	sa   statser
}

type byteCount struct{ in, out uint64 }

func newMeter(dev link.Device) *meter {
	return &meter{dev: dev, in: map[uint32]meteredIn{}, out: map[netip.Addr]statser{},
		total: map[netip.Addr]*byteCount{}}
}

// hostOf is the inner address an SA serves: the first host prefix.
func hostOf(prefixes []netip.Prefix) (netip.Addr, bool) {
	for _, p := range prefixes {
		if p.IsSingleIP() {
			return p.Addr().Unmap(), true
		}
	}
	return netip.Addr{}, false
}

func (m *meter) AddInbound(spi uint32, sa datapath.Opener, allowed []netip.Prefix) error {
	if err := m.dev.AddInbound(spi, sa, allowed); err != nil {
		return err
	}
	st, ok := sa.(statser)
	a, host := hostOf(allowed)
	if ok && host {
		m.mu.Lock()
		m.in[spi] = meteredIn{a, st}
		m.mu.Unlock()
	}
	return nil
}

func (m *meter) RetireInbound(spi uint32, grace time.Duration) {
	m.dev.RetireInbound(spi, grace)
	time.AfterFunc(grace, func() { m.fold(spi) })
}

func (m *meter) RemoveInbound(spi uint32) {
	m.dev.RemoveInbound(spi)
	m.fold(spi)
}

// fold moves a gone inbound SA's bytes into its address's total.
func (m *meter) fold(spi uint32) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.in[spi]
	if !ok {
		return
	}
	delete(m.in, spi)
	m.totalLocked(e.addr).in += e.sa.Stats().Bytes
}

func (m *meter) totalLocked(a netip.Addr) *byteCount {
	t := m.total[a]
	if t == nil {
		t = &byteCount{}
		m.total[a] = t
	}
	return t
}

func (m *meter) SetOutboundFrom(prefixes []netip.Prefix, sa datapath.Sealer, local netip.Addr, remote netip.AddrPort) error {
	if err := m.dev.SetOutboundFrom(prefixes, sa, local, remote); err != nil {
		return err
	}
	st, ok := sa.(statser)
	a, host := hostOf(prefixes)
	if ok && host {
		m.mu.Lock()
		if old := m.out[a]; old != nil && old != st {
			m.totalLocked(a).out += old.Stats().Bytes
		}
		m.out[a] = st
		m.mu.Unlock()
	}
	return nil
}

func (m *meter) RemoveOutbound(prefixes []netip.Prefix) {
	m.dev.RemoveOutbound(prefixes)
	a, ok := hostOf(prefixes)
	if !ok {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if old := m.out[a]; old != nil {
		m.totalLocked(a).out += old.Stats().Bytes
		delete(m.out, a)
	}
}

// bytes returns what the session with these inner addresses received
// from its client (in) and sent to it (out).
func (m *meter) bytes(addrs ...netip.Addr) (in, out uint64) {
	if m == nil {
		return 0, 0
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, a := range addrs {
		if !a.IsValid() {
			continue
		}
		a = a.Unmap()
		if t := m.total[a]; t != nil {
			in, out = in+t.in, out+t.out
		}
		if o := m.out[a]; o != nil {
			out += o.Stats().Bytes
		}
		for _, e := range m.in {
			if e.addr == a {
				in += e.sa.Stats().Bytes
			}
		}
	}
	return in, out
}

// forget drops the totals of a session's addresses when it ends.
func (m *meter) forget(l Lease) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, a := range []netip.Addr{l.IP4, l.IP6} {
		if a.IsValid() {
			delete(m.total, a.Unmap())
		}
	}
}
