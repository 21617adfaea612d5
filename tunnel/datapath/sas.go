package datapath

import (
	"fmt"
	"net/netip"
	"slices"
	"time"
)

// AddInbound installs an inbound SA under its SPI, replacing any SA with
// that SPI and cancelling a pending retirement of it. allowed lists the inner
// source prefixes the SA may carry (its traffic selector, checked per RFC
// 4301 5.2); nil or empty allows any source.
//
// For a rekey, install the new inbound SA first, then switch the outbound
// side with SetOutbound, then RetireInbound the old SPI: packets the peer
// sealed with either SA keep arriving throughout.
func (d *Device) AddInbound(spi uint32, sa Opener, allowed []netip.Prefix) error {
	if sa == nil || spi <= spiReservedMax {
		return fmt.Errorf("%w: inbound spi %#x", ErrBadSA, spi)
	}
	masked := make([]netip.Prefix, 0, len(allowed))
	for _, p := range allowed {
		if !p.IsValid() {
			return fmt.Errorf("%w: invalid allowed prefix", ErrBadSA)
		}
		masked = append(masked, netip.PrefixFrom(p.Addr().Unmap(), p.Bits()).Masked())
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cancelRetireLocked(spi)
	d.tables.setIn(spi, &inRoute{sa: sa, allowed: masked})
	return nil
}

// RemoveInbound removes the inbound SA with that SPI at once; its packets
// are then dropped as unknown SPI.
func (d *Device) RemoveInbound(spi uint32) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cancelRetireLocked(spi)
	d.tables.removeIn(spi)
}

// RetireInbound removes the inbound SA with that SPI after grace, leaving
// time for packets the peer sealed before it switched to the new SA.
func (d *Device) RetireInbound(spi uint32, grace time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cancelRetireLocked(spi)
	var t *time.Timer
	t = time.AfterFunc(grace, func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.retire[spi] != t {
			return // re-added or retired again meanwhile
		}
		delete(d.retire, spi)
		d.tables.removeIn(spi)
	})
	d.retire[spi] = t
}

func (d *Device) cancelRetireLocked(spi uint32) {
	if t := d.retire[spi]; t != nil {
		t.Stop()
		delete(d.retire, spi)
	}
}

// SetOutbound routes inner packets for the given destination prefixes
// through sa to remote, replacing whatever routed them before. A client
// typically passes 0.0.0.0/0 and ::/0 (or its split prefixes); a server one
// /32 or /128 per client. The longest matching prefix wins. The pump sees
// each prefix switch whole but on its own: for a moment one prefix may
// already use sa while another still uses the SA it replaces, which
// make-before-break allows.
func (d *Device) SetOutbound(prefixes []netip.Prefix, sa Sealer, remote netip.AddrPort) error {
	return d.SetOutboundFrom(prefixes, sa, netip.Addr{}, remote)
}

// SetOutboundFrom is SetOutbound for a Device with several local
// addresses or a wildcard one: ESP and keepalives to remote leave from
// local, the address the peer's IKE traffic arrived on, so the peer and
// its NAT recognise them. They go out on the NAT-T socket bound to exactly
// local, else on one bound to the unspecified address of remote's family
// (where Linux sets the source to local), else on the first socket of
// that family. An invalid local picks that way too.
func (d *Device) SetOutboundFrom(prefixes []netip.Prefix, sa Sealer, local netip.Addr, remote netip.AddrPort) error {
	if sa == nil || !remote.IsValid() {
		return fmt.Errorf("%w: outbound needs an SA and a remote", ErrBadSA)
	}
	remote = netip.AddrPortFrom(remote.Addr().Unmap(), remote.Port())
	sock, ok := pickSocket(d.natt, local, remote.Addr())
	if !ok {
		return fmt.Errorf("%w: %w: remote %s", ErrBadSA, ErrNoSocket, remote)
	}
	keys, err := prefixKeys(prefixes)
	if err != nil || len(keys) == 0 {
		return err
	}
	mtu := d.routeMTU(sa, sock)
	d.mu.Lock()
	defer d.mu.Unlock()
	f := flow{src: local.Unmap(), dst: remote, sock: sock}
	d.tables.setOut(keys, &outRoute{sa: sa, flow: f, peer: d.tables.peerFor(f, d.now()), mtu: mtu})
	d.updateInnerMTULocked()
	return nil
}

// RemoveOutbound stops routing the given prefixes; their packets are then
// dropped as having no outbound SA.
func (d *Device) RemoveOutbound(prefixes []netip.Prefix) {
	keys, _ := prefixKeys(prefixes)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.tables.removeOut(keys)
	d.updateInnerMTULocked()
}

// prefixKeys canonicalises prefixes so equal routes compare equal.
func prefixKeys(prefixes []netip.Prefix) ([]netip.Prefix, error) {
	keys := make([]netip.Prefix, 0, len(prefixes))
	for _, p := range prefixes {
		if !p.IsValid() {
			return nil, fmt.Errorf("%w: invalid prefix %v", ErrBadSA, p)
		}
		keys = append(keys, netip.PrefixFrom(p.Addr().Unmap(), p.Bits()).Masked())
	}
	return slices.Compact(keys), nil
}

// updateInnerMTULocked recomputes InnerMTU after the outbound SAs changed.
func (d *Device) updateInnerMTULocked() {
	mtu, ok := d.tables.minMTU()
	if !ok {
		mtu = d.defaultInnerMTU()
	}
	d.innerMTU.Store(int64(mtu))
}
