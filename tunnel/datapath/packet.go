package datapath

import (
	"encoding/binary"
	"net/netip"
)

// Inner IP header accessors. The pump only needs addresses and lengths, so
// these read fixed offsets after a length check instead of parsing.

// innerDestination returns the destination of an inner packet and the ESP
// next header that announces its IP version.
func innerDestination(pkt []byte) (netip.Addr, byte, bool) {
	switch ipVersion(pkt) {
	case 4:
		if len(pkt) >= ipv4HeaderLen {
			return netip.AddrFrom4([4]byte(pkt[16:20])), nextHeaderIPv4, true
		}
	case 6:
		if len(pkt) >= ipv6HeaderLen {
			return netip.AddrFrom16([16]byte(pkt[24:40])), nextHeaderIPv6, true
		}
	}
	return netip.Addr{}, 0, false
}

// innerSource returns the source of a packet innerLength accepted.
func innerSource(pkt []byte) netip.Addr {
	if ipVersion(pkt) == 4 {
		return netip.AddrFrom4([4]byte(pkt[12:16]))
	}
	return netip.AddrFrom16([16]byte(pkt[8:24]))
}

func ipVersion(pkt []byte) byte {
	if len(pkt) == 0 {
		return 0
	}
	return pkt[0] >> 4
}

// innerLength checks that a decrypted payload is an IP packet of the
// version its next header announced and returns the packet's length; ESP
// may carry TFC padding after it (RFC 4303 2.7), which the TUN must not see.
func innerLength(pkt []byte, nextHeader byte) (int, bool) {
	var n int
	switch {
	case nextHeader == nextHeaderIPv4 && ipVersion(pkt) == 4 && len(pkt) >= ipv4HeaderLen:
		n = int(binary.BigEndian.Uint16(pkt[2:4]))
		if n < int(pkt[0]&0x0f)*4 || pkt[0]&0x0f < 5 {
			return 0, false
		}
	case nextHeader == nextHeaderIPv6 && ipVersion(pkt) == 6 && len(pkt) >= ipv6HeaderLen:
		n = ipv6HeaderLen + int(binary.BigEndian.Uint16(pkt[4:6]))
	default:
		return 0, false
	}
	return n, n <= len(pkt)
}
