package wire

// Authentication payload body (RFC 7296 3.8):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Auth Method   |                RESERVED                       |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   ~                      Authentication Data                      ~
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// For method 14 (RFC 7427) Data starts with a length-prefixed ASN.1
// AlgorithmIdentifier; that layer belongs to tunnel/ike/crypto.

func decodeAuth(body []byte) (*Auth, error) {
	if len(body) < 4 {
		return nil, syntaxErr(ErrTruncated, "auth: %d bytes", len(body))
	}
	return &Auth{Method: AuthMethod(body[0]), Data: body[4:]}, nil
}

func (p *Auth) appendBody(b []byte) ([]byte, error) {
	return append(append(b, byte(p.Method), 0, 0, 0), p.Data...), nil
}
