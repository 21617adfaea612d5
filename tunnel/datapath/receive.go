package datapath

import (
	"errors"
	"net/netip"

	"flexvpn/tunnel/esp"
)

// rxBatch is one receive goroutine's working set.
type rxBatch struct {
	bufs   [][]byte // whole buffers
	views  [][]byte // bufs from rxOffset, what the socket fills
	sizes  []int
	srcs   []netip.AddrPort
	writes [][]byte // opened packets, each bufs[i][:tunWriteOffset+len]
	reader batchReader
}

// routineReceive reads datagrams from c until it is closed. natt says
// whether c is the NAT-T socket (demultiplexed) or the plain-IKE one.
func (d *Device) routineReceive(c *udpConn, natt bool, b *rxBatch) {
	defer d.wg.Done()
	for {
		n, err := b.reader.readBatch(b.views, b.sizes, b.srcs)
		if err != nil {
			if d.closed.Load() || isClosed(err) {
				return
			}
			d.log.Warn("udp receive failed", "local", c.local, "err", err)
			d.backoff() // a persistent error must not spin a core
			continue
		}
		t := &d.tables
		b.writes = b.writes[:0]
		for i := range n {
			d.receiveOne(c, natt, t, b, i)
		}
		d.writeTUN(b.writes)
	}
}

// receiveOne dispatches datagram i of b.
func (d *Device) receiveOne(c *udpConn, natt bool, t *tables, b *rxBatch, i int) {
	if b.sizes[i] < 0 {
		d.stats.drop(dropMalformed) // truncated: larger than a buffer
		return
	}
	dg := b.views[i][:b.sizes[i]]
	if !natt {
		d.deliverIKE(dg, localOf(c, b, i), b.srcs[i])
		return
	}
	switch classify(dg) {
	case kindKeepalive:
		d.stats.keepalivesIn.Add(1)
	case kindIKE:
		d.deliverIKE(dg[markerLen:], localOf(c, b, i), b.srcs[i])
	case kindESP:
		if pkt := d.openESP(t, b.bufs[i], dg); pkt != nil {
			b.writes = append(b.writes, pkt)
		}
	default:
		d.stats.drop(dropMalformed)
	}
}

// localOf is the address datagram i was sent to: the bound one, or on a
// wildcard socket what pktinfo reported.
func localOf(c *udpConn, b *rxBatch, i int) netip.AddrPort {
	if c.wildcard {
		if a, ok := b.reader.localAddr(i); ok {
			return netip.AddrPortFrom(a, c.local.Port())
		}
	}
	return c.local
}

// openESP opens dg (which lies in buf) and returns buf trimmed to the
// inner packet placed at tunWriteOffset, or nil when it was dropped.
func (d *Device) openESP(t *tables, buf, dg []byte) []byte {
	r := t.lookupIn(espSPI(dg))
	if r == nil {
		d.stats.drop(dropUnknownSPI)
		return nil
	}
	payload, nextHeader, err := r.sa.Open(dg)
	if err != nil {
		d.stats.drop(openDropReason(err))
		return nil
	}
	if nextHeader == nextHeaderNoNext {
		d.stats.drop(dropDummy)
		return nil
	}
	n, ok := innerLength(payload, nextHeader)
	if !ok || tunWriteOffset+n > len(buf) {
		d.stats.drop(dropMalformed)
		return nil
	}
	inner := payload[:n]
	if !r.permits(innerSource(inner)) {
		d.stats.drop(dropPolicy)
		return nil
	}
	if !d.cfg.NoMSSClamp {
		clampMSS(inner, d.InnerMTU())
	}
	if &buf[tunWriteOffset] != &inner[0] {
		copy(buf[tunWriteOffset:], inner) // CBC's longer IV, or an SA that decrypts elsewhere
	}
	return buf[:tunWriteOffset+n]
}

// openDropReason maps an Open error to the counter it belongs in.
func openDropReason(err error) dropReason {
	switch {
	case errors.Is(err, esp.ErrReplay):
		return dropReplay
	case errors.Is(err, esp.ErrAuth), errors.Is(err, esp.ErrPadding):
		return dropAuth
	case errors.Is(err, esp.ErrHardLifetime), errors.Is(err, esp.ErrClosed):
		return dropUnknownSPI // the SA is gone in all but name
	default:
		return dropMalformed
	}
}

// writeTUN writes the opened packets of one receive batch.
func (d *Device) writeTUN(pkts [][]byte) {
	if len(pkts) == 0 {
		return
	}
	var bytes uint64
	for _, p := range pkts {
		bytes += uint64(len(p) - tunWriteOffset)
	}
	if _, err := d.tun.Write(pkts, tunWriteOffset); err != nil {
		// wireguard's tun reports a joined error without saying which
		// packets failed, so the whole batch counts as dropped.
		d.stats.drops[dropTUNWrite].Add(uint64(len(pkts)))
		if !d.closed.Load() {
			d.log.Warn("tun write failed", "packets", len(pkts), "err", err)
		}
		return
	}
	d.stats.packetsIn.Add(uint64(len(pkts)))
	d.stats.bytesIn.Add(bytes)
}
