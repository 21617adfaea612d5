package wire

import "encoding/binary"

// Encrypted Fragment payload (RFC 7383 2.5):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Next Payload  |C|  RESERVED   |         Payload Length        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |        Fragment Number        |        Total Fragments        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                     Initialization Vector                     |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   ~                      Encrypted content                        ~
//   +               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |               |             Padding (0-255 octets)            |
//   +-+-+-+-+-+-+-+-+                               +-+-+-+-+-+-+-+-+
//   |                                               |  Pad Length   |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   ~                    Integrity Checksum Data                    ~
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// RFC 7383 2.6 says a fragment numbered 0 or above Total Fragments is
// discarded; Decode rejects it as INVALID_SYNTAX so the reassembler never
// sees one. The AAD covers the fragment numbers.

const skfHdrLen = genericHeaderLen + 4

func decodeSKF(msg []byte, off int, first PayloadType) (*SKF, error) {
	if len(msg)-off < skfHdrLen {
		return nil, syntaxErr(ErrTruncated, "skf: %d bytes", len(msg)-off)
	}
	num := binary.BigEndian.Uint16(msg[off+4 : off+6])
	total := binary.BigEndian.Uint16(msg[off+6 : off+8])
	if num == 0 || num > total {
		return nil, syntaxErr(ErrBadValue, "skf: fragment %d of %d", num, total)
	}
	start := off + skfHdrLen
	return &SKF{
		FirstPayload:   first,
		FragmentNumber: num,
		TotalFragments: total,
		Body:           msg[start:],
		AAD:            msg[:start],
	}, nil
}

func (p *SKF) appendBody(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint16(b, p.FragmentNumber)
	b = binary.BigEndian.AppendUint16(b, p.TotalFragments)
	return append(b, p.Body...), nil
}
