package crypto

import (
	"crypto/hmac"
	"fmt"
)

// PRF is an IKEv2 pseudo-random function (RFC 7296 2.13).
type PRF interface {
	// Size is the output length in bytes.
	Size() int
	// KeyLen is the preferred key length in bytes: the length of SK_d,
	// SK_pi and SK_pr.
	KeyLen() int
	// Sum returns prf(key, data) in a new slice.
	Sum(key, data []byte) []byte
}

// hmacPRF is a PRF built on HMAC; HMAC accepts keys of any length, so the
// nonce concatenation Ni | Nr is used as the key as is.
type hmacPRF struct{ spec hashSpec }

// NewPRF returns the PRF for a wire PRF transform ID.
func NewPRF(id uint16) (PRF, error) {
	spec, ok := prfSpecs[id]
	if !ok {
		return nil, fmt.Errorf("%w: prf %d", ErrUnsupported, id)
	}
	return hmacPRF{spec}, nil
}

func (p hmacPRF) Size() int   { return p.spec.outLen }
func (p hmacPRF) KeyLen() int { return p.spec.keyLen }

func (p hmacPRF) Sum(key, data []byte) []byte {
	m := hmac.New(p.spec.newH, key)
	m.Write(data)
	return m.Sum(nil)
}

// PRFPlus returns the first n bytes of prf+(key, seed) (RFC 7296 2.13):
// T1 = prf(K, S | 0x01), Tk = prf(K, Tk-1 | S | k). It panics if n exceeds
// 255 * p.Size(), the most prf+ can produce; key lengths of real suites stay
// far below that, so a larger n is a programming error.
func PRFPlus(p PRF, key, seed []byte, n int) []byte {
	if n < 0 || n > 255*p.Size() {
		panic(fmt.Sprintf("ike/crypto: prf+ cannot produce %d bytes", n))
	}
	out := make([]byte, 0, n+p.Size())
	var t []byte
	in := make([]byte, 0, p.Size()+len(seed)+1)
	for i := 1; len(out) < n; i++ {
		in = append(append(append(in[:0], t...), seed...), byte(i))
		t = p.Sum(key, in)
		out = append(out, t...)
	}
	return out[:n:n]
}
