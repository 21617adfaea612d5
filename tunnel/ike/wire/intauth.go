package wire

import "encoding/binary"

// IntAuthA returns the "A" chunk of an IKE_INTERMEDIATE message for the
// RFC 9242 IntAuth computation: the IKE header and the generic header of
// the Encrypted payload, with the lengths the message would have if it
// were neither encrypted nor fragmented (no IV, padding or ICV; an SK
// payload in place of SKF). Both peers can rebuild exactly these octets
// from what they sent or reassembled, whatever fragment size either used.
func IntAuthA(h Header, first PayloadType, plainLen int) []byte {
	b := make([]byte, HeaderLen+4)
	h.NextPayload = PayloadSK
	h.Length = uint32(HeaderLen + 4 + plainLen)
	putHeader(b, &h)
	b[HeaderLen] = byte(first)
	binary.BigEndian.PutUint16(b[HeaderLen+2:], uint16(4+plainLen))
	return b
}
