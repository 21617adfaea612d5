package wire

// Nonce payload body (RFC 7296 3.9):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   ~                            Nonce Data                         ~
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

// Nonce size bounds from RFC 7296 3.9 ("between 16 and 256 octets").
const (
	MinNonceLen = 16
	MaxNonceLen = 256
)

// decodeNonce enforces the RFC size range: a shorter nonce weakens the key
// derivation, so it is a syntax error rather than a policy choice.
func decodeNonce(body []byte) (*Nonce, error) {
	if len(body) < MinNonceLen || len(body) > MaxNonceLen {
		return nil, syntaxErr(ErrBadLength, "nonce: %d bytes, want %d..%d", len(body), MinNonceLen, MaxNonceLen)
	}
	return &Nonce{Data: body}, nil
}

func (p *Nonce) appendBody(b []byte) ([]byte, error) {
	return append(b, p.Data...), nil
}
