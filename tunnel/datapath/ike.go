package datapath

import (
	"fmt"
	"net/netip"
)

// SendIKE sends an IKE message to remote. From the plain-IKE socket (local
// port equal to ListenIKE's) it goes out as is; from the NAT-T socket it is
// prefixed with the four-byte non-ESP marker (RFC 3948 2.2) so the peer can
// tell it from ESP. With this signature *Device satisfies the IKE engine's
// transport interface without either package importing the other.
func (d *Device) SendIKE(pkt []byte, local, remote netip.AddrPort) error {
	if d.closed.Load() {
		return ErrClosed
	}
	var err error
	if d.ike != nil && local.Port() == d.ike.local.Port() && local.Port() != d.natt.local.Port() {
		err = d.ike.sendFrom(pkt, local.Addr(), remote)
	} else {
		// The marker needs a copy; IKE is rare enough that this does not matter.
		msg := make([]byte, markerLen+len(pkt))
		copy(msg[markerLen:], pkt)
		err = d.natt.sendFrom(msg, local.Addr(), remote)
		d.touchPeer(remote)
	}
	if err != nil {
		return fmt.Errorf("datapath: send ike to %s: %w", remote, err)
	}
	d.stats.ikeOut.Add(1)
	return nil
}

// deliverIKE hands an inbound IKE message to the engine.
func (d *Device) deliverIKE(msg []byte, local, remote netip.AddrPort) {
	if d.cfg.OnIKE == nil {
		d.stats.drop(dropNoIKEHandler)
		return
	}
	d.stats.ikeIn.Add(1)
	d.cfg.OnIKE(append([]byte(nil), msg...), local, remote)
}

// touchPeer notes that something was just sent to remote, which postpones
// its keepalive.
func (d *Device) touchPeer(remote netip.AddrPort) {
	for _, p := range d.tables.Load().peers {
		if p.flow.dst == remote {
			p.lastSent.Store(d.now())
			return
		}
	}
}
