package datapath

import (
	"errors"

	"golang.zx2c4.com/wireguard/tun"
)

// txBatch is the send side's working set, owned by routineReadTUN.
type txBatch struct {
	bufs    [][]byte // whole buffers, tailroom included, for Seal
	views   [][]byte // bufs without the tailroom, for tun.Read
	sizes   []int
	out     [][]byte      // sealed datagrams of this batch
	flows   []flow        // and where each goes
	writers []batchWriter // one per NAT-T socket, indexed by flow.sock
}

// routineReadTUN reads inner packets, seals and sends them until the TUN
// or the socket is closed.
func (d *Device) routineReadTUN(b *txBatch) {
	defer d.wg.Done()
	for {
		n, err := d.tun.Read(b.views, b.sizes, headroom)
		if n > 0 {
			d.sealAndSend(b, n)
		}
		switch {
		case err == nil:
		case d.closed.Load() || isClosed(err):
			return
		case errors.Is(err, tun.ErrTooManySegments):
			// A GSO packet split into more segments than buffers: the
			// kernel dropped the rest, TCP will retransmit.
			d.stats.drop(dropMalformed)
		default:
			// A TUN that fails other than by closing will not recover;
			// close the whole Device so its owner sees Done and redials
			// rather than keep a tunnel that silently drops everything.
			d.log.Error("tun read failed; closing the data plane", "err", err)
			go d.Close()
			return
		}
	}
}

// sealAndSend seals the n packets of b and sends them in one batch.
func (d *Device) sealAndSend(b *txBatch, n int) {
	t := &d.tables
	mtu := d.InnerMTU()
	now := d.now()
	b.out, b.flows = b.out[:0], b.flows[:0]
	var bytes uint64
	for i := range n {
		r, pkt := d.sealOne(t, b.bufs[i], b.sizes[i], mtu)
		if r == nil {
			continue
		}
		r.peer.lastSent.Store(now)
		b.out = append(b.out, pkt)
		b.flows = append(b.flows, r.flow)
		bytes += uint64(b.sizes[i])
	}
	if len(b.out) == 0 {
		return
	}
	failed, err := b.write()
	if err != nil && !d.closed.Load() {
		d.log.Warn("udp send failed", "err", err)
	}
	d.stats.drops[dropSend].Add(uint64(failed))
	d.stats.packetsOut.Add(uint64(len(b.out) - failed))
	d.stats.bytesOut.Add(bytes)
}

// write sends b.out, each run of consecutive datagrams leaving from one
// socket in one batch through that socket's writer. Runs keep the packet
// order and, on a server where most traffic of a TUN batch goes to one
// client, stay as long as the batch. It returns how many datagrams were
// refused and the first error of an unusable socket.
func (b *txBatch) write() (failed int, err error) {
	for i := 0; i < len(b.out); {
		s, j := b.flows[i].sock, i+1
		for j < len(b.out) && b.flows[j].sock == s {
			j++
		}
		n, e := b.writers[s].writeBatch(b.out[i:j], b.flows[i:j])
		failed += n
		if err == nil {
			err = e
		}
		i = j
	}
	return failed, err
}

// sealOne turns the inner packet at buf[headroom:headroom+size] into an
// ESP datagram in place. It returns the route and the datagram, or a nil
// route when the packet was dropped.
func (d *Device) sealOne(t *tables, buf []byte, size, mtu int) (*outRoute, []byte) {
	end := headroom + size
	pkt := buf[headroom:end]
	dst, nextHeader, ok := innerDestination(pkt)
	if !ok {
		d.stats.drop(dropMalformed)
		return nil, nil
	}
	r := t.lookupOut(dst)
	if r == nil {
		d.stats.drop(dropNoOutboundSA)
		return nil, nil
	}
	if !d.cfg.NoMSSClamp {
		clampMSS(pkt, mtu)
	}
	start, stop, err := r.sa.Seal(buf, headroom, end, nextHeader)
	if err != nil {
		d.stats.drop(dropSeal)
		return nil, nil
	}
	return r, buf[start:stop]
}
