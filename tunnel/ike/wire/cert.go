package wire

// Certificate payload body (RFC 7296 3.6):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Cert Encoding |                                               |
//   +-+-+-+-+-+-+-+-+                                               |
//   ~                       Certificate Data                        ~
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Certificate Request payload body (RFC 7296 3.7), the same shape with the
// concatenated 20-byte SHA-1 hashes of trusted CA public keys as data:
//
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Cert Encoding |                                               |
//   +-+-+-+-+-+-+-+-+                                               |
//   ~                    Certification Authority                    ~
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

// CAHashLen is the size of one certification authority hash in CERTREQ.
const CAHashLen = 20

func decodeCert(body []byte) (*Cert, error) {
	if len(body) < 1 {
		return nil, syntaxErr(ErrTruncated, "cert: empty")
	}
	return &Cert{Encoding: CertEncoding(body[0]), Data: body[1:]}, nil
}

func (p *Cert) appendBody(b []byte) ([]byte, error) {
	return append(append(b, byte(p.Encoding)), p.Data...), nil
}

func decodeCertReq(body []byte) (*CertReq, error) {
	if len(body) < 1 {
		return nil, syntaxErr(ErrTruncated, "certreq: empty")
	}
	return &CertReq{Encoding: CertEncoding(body[0]), Authorities: body[1:]}, nil
}

func (p *CertReq) appendBody(b []byte) ([]byte, error) {
	return append(append(b, byte(p.Encoding)), p.Authorities...), nil
}

// AuthorityHashes splits Authorities into 20-byte hashes. For X.509
// requests a length that is not a multiple of 20 is an error; for other
// encodings it returns nil.
func (p *CertReq) AuthorityHashes() ([][CAHashLen]byte, error) {
	if p.Encoding != CertX509Signature {
		return nil, nil
	}
	if len(p.Authorities)%CAHashLen != 0 {
		return nil, ErrBadLength
	}
	out := make([][CAHashLen]byte, len(p.Authorities)/CAHashLen)
	for i := range out {
		copy(out[i][:], p.Authorities[i*CAHashLen:])
	}
	return out, nil
}
