package datapath

import "encoding/binary"

// RFC 3948 section 2: what shares UDP port 4500.
//
//	1 byte 0xFF           NAT-keepalive
//	4 zero bytes + IKE    non-ESP marker, then an IKE message
//	anything else         ESP: SPI (never 0) then sequence number
type datagramKind int

const (
	kindMalformed datagramKind = iota
	kindKeepalive
	kindIKE
	kindESP
)

const (
	keepaliveByte = 0xFF
	markerLen     = 4
	// minESPLen is the ESP header; the SA checks the rest (IV, ICV).
	minESPLen = espHeaderLen
	// spiReservedMax: SPIs 1-255 are reserved by IANA (RFC 4303 2.1).
	spiReservedMax = 255
)

// classify sorts a datagram received on the NAT-T port.
func classify(b []byte) datagramKind {
	switch {
	case len(b) == 1 && b[0] == keepaliveByte:
		return kindKeepalive
	case len(b) < markerLen:
		return kindMalformed
	case binary.BigEndian.Uint32(b) == 0:
		if len(b) == markerLen {
			return kindMalformed // a marker with no IKE message
		}
		return kindIKE
	case len(b) < minESPLen:
		return kindMalformed
	default:
		return kindESP
	}
}

// espSPI reads the SPI of a datagram classify called kindESP.
func espSPI(b []byte) uint32 { return binary.BigEndian.Uint32(b) }
