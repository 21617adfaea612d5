package datapath

import "encoding/binary"

// TCP MSS clamping. A SYN advertises an MSS derived from the sender's own
// interface MTU (1460 on Ethernet), which is too big for segments that must
// also carry ESP-in-UDP overhead; lowering it on SYNs in both directions makes
// both ends send segments that fit the tunnel without fragmentation or PMTUD.

const (
	protoTCP     = 6
	tcpFlagSYN   = 0x02
	tcpOptEnd    = 0
	tcpOptNOP    = 1
	tcpOptMSS    = 2
	tcpOptMSSLen = 4
)

// clampMSS lowers the MSS option of a TCP SYN (or SYN-ACK) in the IPv4 or
// IPv6 packet pkt to fit innerMTU and fixes the TCP checksum incrementally.
// Anything that is not an unfragmented TCP SYN with a larger MSS is left
// alone. It reports whether pkt changed.
func clampMSS(pkt []byte, innerMTU int) bool {
	tcp, ipv6 := tcpSegment(pkt)
	if tcp == nil || tcp[13]&tcpFlagSYN == 0 {
		return false
	}
	limit := maxMSS(innerMTU, ipv6)
	if limit <= 0 {
		return false
	}
	return clampOption(tcp, uint16(min(limit, 0xffff)))
}

// tcpSegment returns the TCP header and everything after it when pkt is an
// unfragmented IPv4 or IPv6 packet whose first header after IP is TCP.
func tcpSegment(pkt []byte) (tcp []byte, ipv6 bool) {
	if len(pkt) < 1 {
		return nil, false
	}
	var off int
	switch pkt[0] >> 4 {
	case 4:
		if len(pkt) < ipv4HeaderLen || pkt[9] != protoTCP {
			return nil, false
		}
		if binary.BigEndian.Uint16(pkt[6:8])&0x1fff != 0 {
			return nil, false // a later fragment has no TCP header
		}
		off = int(pkt[0]&0x0f) * 4
	case 6:
		if len(pkt) < ipv6HeaderLen || pkt[6] != protoTCP {
			return nil, false // extension headers are rare on SYNs: not clamped
		}
		off, ipv6 = ipv6HeaderLen, true
	default:
		return nil, false
	}
	if off < ipv4HeaderLen || len(pkt) < off+tcpHeaderLen {
		return nil, false
	}
	return pkt[off:], ipv6
}

// clampOption walks the TCP options and rewrites an MSS above limit.
func clampOption(tcp []byte, limit uint16) bool {
	end := int(tcp[12]>>4) * 4
	if end < tcpHeaderLen || end > len(tcp) {
		return false
	}
	for i := tcpHeaderLen; i < end; {
		switch kind := tcp[i]; kind {
		case tcpOptEnd:
			return false
		case tcpOptNOP:
			i++
			continue
		}
		if i+1 >= end {
			return false
		}
		n := int(tcp[i+1])
		if n < 2 || i+n > end {
			return false
		}
		if tcp[i] == tcpOptMSS && n == tcpOptMSSLen {
			return rewriteMSS(tcp, i+2, limit)
		}
		i += n
	}
	return false
}

// rewriteMSS stores limit at tcp[at:at+2] if the MSS there is larger.
func rewriteMSS(tcp []byte, at int, limit uint16) bool {
	old := binary.BigEndian.Uint16(tcp[at:])
	if old <= limit {
		return false
	}
	binary.BigEndian.PutUint16(tcp[at:], limit)
	oldWord, newWord := old, limit
	if at%2 == 1 {
		// The field straddles two checksum words; the one's complement sum
		// is byte-order independent, so swapping both values compensates.
		oldWord, newWord = swap16(old), swap16(limit)
	}
	sum := binary.BigEndian.Uint16(tcp[16:18])
	binary.BigEndian.PutUint16(tcp[16:18], checksumReplace(sum, oldWord, newWord))
	return true
}

func swap16(v uint16) uint16 { return v<<8 | v>>8 }

// checksumReplace updates an Internet checksum for one 16-bit word changing
// from old to new, per RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m').
func checksumReplace(sum, old, new uint16) uint16 {
	s := uint32(^sum) + uint32(^old) + uint32(new)
	s = s&0xffff + s>>16
	s = s&0xffff + s>>16
	return ^uint16(s)
}
