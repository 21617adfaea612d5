package ike

import "net/netip"

// Transport sends IKE datagrams. local names the socket to send from (the
// port tells 500 from 4500); on the 4500 socket the transport prepends the
// 4-byte non-ESP marker itself. Inbound datagrams reach the engine through
// (*Endpoint).HandleDatagram with the marker already removed.
//
// tunnel/datapath.Device satisfies this interface structurally, so the data
// plane can share the 4500 socket with ESP.
type Transport interface {
	SendIKE(pkt []byte, local, remote netip.AddrPort) error
}

// PortIKE and PortNATT are the IKE ports (RFC 7296 2.23).
const (
	PortIKE  = 500
	PortNATT = 4500
)

// nonESPMarker precedes IKE messages on port 4500 (RFC 3948 2.2).
var nonESPMarker = [4]byte{}
