package ike

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
)

// UDPTransport is a plain pair of UDP sockets, the IKE port (500) and the
// NAT-T port (4500), for standalone use and interop tests. On the NAT-T
// socket it adds and strips the non-ESP marker; ESP packets and NAT
// keepalives arriving there are handed to OnESP when set, else dropped.
type UDPTransport struct {
	ike, natt *net.UDPConn
	OnESP     func(pkt []byte, local, remote netip.AddrPort)
	wg        sync.WaitGroup
}

// ListenUDP opens both sockets on addr. Ports 0 mean 500 and 4500; tests
// that run unprivileged may pick others.
func ListenUDP(addr netip.Addr, ikePort, nattPort uint16) (*UDPTransport, error) {
	if ikePort == 0 {
		ikePort = PortIKE
	}
	if nattPort == 0 {
		nattPort = PortNATT
	}
	a, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(addr, ikePort)))
	if err != nil {
		return nil, fmt.Errorf("ike: listen on port %d: %w", ikePort, err)
	}
	b, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(addr, nattPort)))
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("ike: listen on port %d: %w", nattPort, err)
	}
	return &UDPTransport{ike: a, natt: b}, nil
}

// LocalAddrs returns the bound IKE and NAT-T addresses.
func (t *UDPTransport) LocalAddrs() (ike, natt netip.AddrPort) {
	return t.ike.LocalAddr().(*net.UDPAddr).AddrPort(), t.natt.LocalAddr().(*net.UDPAddr).AddrPort()
}

// Serve starts the read loops that feed e. It returns at once.
func (t *UDPTransport) Serve(e *Endpoint) {
	t.wg.Add(2)
	go t.readLoop(t.ike, false, e)
	go t.readLoop(t.natt, true, e)
}

// Close closes both sockets and waits for the read loops.
func (t *UDPTransport) Close() error {
	err := errors.Join(t.ike.Close(), t.natt.Close())
	t.wg.Wait()
	return err
}

// SendIKE sends from the NAT-T socket when local's port is that socket's
// port, prefixing the non-ESP marker; otherwise from the IKE socket.
func (t *UDPTransport) SendIKE(pkt []byte, local, remote netip.AddrPort) error {
	_, natt := t.LocalAddrs()
	if local.Port() != natt.Port() {
		_, err := t.ike.WriteToUDPAddrPort(pkt, remote)
		return err
	}
	buf := make([]byte, 0, len(pkt)+4)
	buf = append(append(buf, nonESPMarker[:]...), pkt...)
	_, err := t.natt.WriteToUDPAddrPort(buf, remote)
	return err
}

func (t *UDPTransport) readLoop(c *net.UDPConn, natt bool, e *Endpoint) {
	defer t.wg.Done()
	local := c.LocalAddr().(*net.UDPAddr).AddrPort()
	buf := make([]byte, 65536)
	for {
		n, from, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		t.dispatch(buf[:n], natt, local, unmapAddrPort(from), e)
	}
}

// dispatch applies the RFC 3948 demux on the NAT-T socket.
func (t *UDPTransport) dispatch(pkt []byte, natt bool, local, from netip.AddrPort, e *Endpoint) {
	if !natt {
		e.HandleDatagram(pkt, local, from)
		return
	}
	switch {
	case len(pkt) == 1 && pkt[0] == 0xff: // NAT keepalive
	case len(pkt) >= 4 && pkt[0]|pkt[1]|pkt[2]|pkt[3] == 0:
		e.HandleDatagram(pkt[4:], local, from)
	case len(pkt) >= 8 && t.OnESP != nil: // SPI and sequence number at least
		t.OnESP(pkt, local, from)
	}
}

func unmapAddrPort(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}
