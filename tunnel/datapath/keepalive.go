package datapath

import "time"

// NAT keepalives (RFC 3948 2.3, 4): a one-byte 0xFF datagram keeps the NAT
// mapping for UDP 4500 alive when neither ESP nor IKE has been sent for a
// while. The receiver discards it.

func (d *Device) keepaliveInterval() time.Duration {
	switch k := d.cfg.Keepalive; {
	case k == 0:
		return DefaultKeepalive
	case k < 0:
		return 0
	default:
		return k
	}
}

// routineKeepalive checks every remote a few times per interval, so a
// keepalive goes out at most a quarter interval late.
func (d *Device) routineKeepalive() {
	defer d.wg.Done()
	interval := d.keepaliveInterval()
	tick := time.NewTicker(max(interval/4, time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-d.stop:
			return
		case <-tick.C:
			d.sendKeepalives(interval)
		}
	}
}

var keepaliveMsg = []byte{keepaliveByte}

// sendKeepalives sends 0xFF to every remote idle for at least interval.
func (d *Device) sendKeepalives(interval time.Duration) {
	now := d.now()
	for p := range d.tables.allPeers() {
		if now-p.lastSent.Load() < int64(interval) {
			continue
		}
		p.lastSent.Store(now)
		if err := d.natt[p.flow.sock].sendFrom(keepaliveMsg, p.flow.src, p.flow.dst); err != nil {
			d.stats.drop(dropSend)
			continue
		}
		d.stats.keepalivOut.Add(1)
	}
}
