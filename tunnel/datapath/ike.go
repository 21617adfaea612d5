package datapath

import (
	"fmt"
	"net/netip"
)

// SendIKE sends an IKE message to remote from local. From a plain-IKE
// socket (local port equal to ListenIKE's) it goes out as is; from a NAT-T
// socket it is prefixed with the four-byte non-ESP marker (RFC 3948 2.2) so
// the peer can tell it from ESP. The socket is the one bound to local's
// address, else an unspecified one of remote's family, which sends from
// local where the OS allows (see Config.ListenNATT). With this signature
// *Device satisfies the IKE engine's transport interface without either
// package importing the other.
func (d *Device) SendIKE(pkt []byte, local, remote netip.AddrPort) error {
	if d.closed.Load() {
		return ErrClosed
	}
	remote = netip.AddrPortFrom(remote.Addr().Unmap(), remote.Port())
	var err error
	if len(d.ike) > 0 && local.Port() == d.ike[0].local.Port() && local.Port() != d.natt[0].local.Port() {
		err = sendFromPicked(d.ike, pkt, local.Addr(), remote)
	} else {
		// The marker needs a copy; IKE is rare enough that this does not matter.
		msg := make([]byte, markerLen+len(pkt))
		copy(msg[markerLen:], pkt)
		err = sendFromPicked(d.natt, msg, local.Addr(), remote)
		d.touchPeer(remote, local.Addr())
	}
	if err != nil {
		return fmt.Errorf("datapath: send ike to %s: %w", remote, err)
	}
	d.stats.ikeOut.Add(1)
	return nil
}

// sendFromPicked sends b to remote from the socket pickSocket chooses.
func sendFromPicked(socks []*udpConn, b []byte, local netip.Addr, remote netip.AddrPort) error {
	i, ok := pickSocket(socks, local, remote.Addr())
	if !ok {
		return fmt.Errorf("%w: no socket of %s's address family", ErrNoSocket, remote.Addr())
	}
	return socks[i].sendFrom(b, local, remote)
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

// touchPeer notes that something was just sent to remote from the NAT-T
// socket serving local, which postpones that flow's keepalive. The flow
// is the one SetOutboundFrom installed with this local address, else one
// installed without a local address (SetOutbound).
func (d *Device) touchPeer(remote netip.AddrPort, local netip.Addr) {
	sock, _ := pickSocket(d.natt, local, remote.Addr())
	for _, src := range [2]netip.Addr{local.Unmap(), {}} {
		if p := d.tables.peer(flow{src: src, dst: remote, sock: sock}); p != nil {
			p.lastSent.Store(d.now())
			return
		}
	}
}
