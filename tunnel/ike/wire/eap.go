package wire

import "encoding/binary"

// EAP payload body (RFC 7296 3.16): one whole EAP message (RFC 3748 4):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |     Code      | Identifier    |           Length              |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |     Type      | Type_Data...
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Success and Failure have no Type byte. The EAP packet is parsed by
// tunnel/ike/eap; here we only check that its own Length field fits the
// payload. Bytes beyond that Length are padding that RFC 3748 says to
// ignore; Data keeps them so the payload re-encodes unchanged.

func decodeEAP(body []byte) (*EAP, error) {
	if len(body) < 4 {
		return nil, syntaxErr(ErrTruncated, "eap: %d bytes", len(body))
	}
	if n := int(binary.BigEndian.Uint16(body[2:4])); n < 4 || n > len(body) {
		return nil, syntaxErr(ErrBadLength, "eap: length field %d, payload carries %d", n, len(body))
	}
	return &EAP{Data: body}, nil
}

func (p *EAP) appendBody(b []byte) ([]byte, error) {
	return append(b, p.Data...), nil
}
