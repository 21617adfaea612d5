package track

import (
	"encoding/binary"
	"errors"
)

// ICMP echo message types (RFC 792, RFC 4443).
const (
	icmpv4EchoRequest = 8
	icmpv4EchoReply   = 0
	icmpv6EchoRequest = 128
	icmpv6EchoReply   = 129
)

// echoHeaderLen is type, code, checksum, identifier, sequence.
const echoHeaderLen = 8

var errNotEcho = errors.New("not an icmp echo message")

// echo is an ICMP echo request or reply (RFC 792 page 14):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     Type      |     Code      |          Checksum             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|           Identifier          |        Sequence Number        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     Data ...
//	+-+-+-+-+-
type echo struct {
	Type, Code uint8
	ID, Seq    uint16
	Data       []byte // aliases the parsed buffer
}

// appendEcho appends the message to b. The checksum is filled for ICMPv4;
// for ICMPv6 the kernel computes it (it covers a pseudo-header we do not
// know: the source address is the kernel's choice).
func appendEcho(b []byte, m echo, v6 bool) []byte {
	start := len(b)
	b = append(b, m.Type, m.Code, 0, 0)
	b = binary.BigEndian.AppendUint16(b, m.ID)
	b = binary.BigEndian.AppendUint16(b, m.Seq)
	b = append(b, m.Data...)
	if !v6 {
		binary.BigEndian.PutUint16(b[start+2:], checksum(b[start:]))
	}
	return b
}

// parseEcho decodes an echo message. A leading IPv4 header (raw IPv4
// sockets on some systems keep it) is skipped. It never panics: every
// length is checked before it is read.
func parseEcho(b []byte) (echo, error) {
	if len(b) >= 20 && b[0]>>4 == 4 {
		ihl := int(b[0]&0x0f) * 4
		if ihl < 20 || ihl > len(b) {
			return echo{}, errNotEcho
		}
		b = b[ihl:]
	}
	if len(b) < echoHeaderLen {
		return echo{}, errNotEcho
	}
	m := echo{
		Type: b[0],
		Code: b[1],
		ID:   binary.BigEndian.Uint16(b[4:]),
		Seq:  binary.BigEndian.Uint16(b[6:]),
		Data: b[echoHeaderLen:],
	}
	switch m.Type {
	case icmpv4EchoRequest, icmpv4EchoReply, icmpv6EchoRequest, icmpv6EchoReply:
		return m, nil
	}
	return echo{}, errNotEcho
}

// checksum is the Internet checksum (RFC 1071) of b.
func checksum(b []byte) uint16 {
	var sum uint32
	for len(b) >= 2 {
		sum += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		sum += uint32(b[0]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}
