package wire

import "encoding/binary"

// Key Exchange payload body (RFC 7296 3.4):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |   Diffie-Hellman Group Num    |           RESERVED            |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   ~                       Key Exchange Data                       ~
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

func decodeKE(body []byte) (*KE, error) {
	if len(body) < 4 {
		return nil, syntaxErr(ErrTruncated, "ke: %d bytes", len(body))
	}
	return &KE{Group: binary.BigEndian.Uint16(body[0:2]), Data: body[4:]}, nil
}

func (p *KE) appendBody(b []byte) ([]byte, error) {
	b = append(b, byte(p.Group>>8), byte(p.Group), 0, 0)
	return append(b, p.Data...), nil
}
