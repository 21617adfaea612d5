package crypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"fmt"
	"io"

	"golang.org/x/crypto/chacha20poly1305"

	"flexvpn/tunnel/ike/wire"
)

// SKCipher protects the body of an SK or SKF payload (RFC 7296 3.14,
// RFC 5282, RFC 7634, RFC 7383): IV, encrypted (plaintext | padding |
// Pad Length), ICV. The aad argument is the message from the IKE header
// through the SK payload's generic header; for CBC suites it is covered by
// the truncated HMAC ICV, for AEAD suites it is the associated data.
//
// A cipher is safe for concurrent use. One cipher protects one direction.
type SKCipher interface {
	// BodyLen is the exact body length Seal produces for plainLen bytes of
	// plaintext, so the caller can write the lengths into the IKE and SK
	// headers (part of aad) before sealing.
	BodyLen(plainLen int) int
	// Seal appends the body to dst. CBC ciphers read a fresh IV from rand;
	// AEAD ciphers use a per-key counter as the explicit IV, which can never
	// repeat, and ignore rand. A nil rand means crypto/rand. aad may be dst itself (the message is then
	// built in one buffer); plain must not overlap dst's spare capacity.
	Seal(dst, aad, plain []byte, rand io.Reader) ([]byte, error)
	// Open verifies and decrypts body and returns the plaintext inner
	// payloads, without the padding, in a new slice. body is not modified.
	Open(aad, body []byte) ([]byte, error)
}

// Ciphers returns the SK ciphers of the IKE SA: out protects the messages
// we send, in opens the messages we receive. The initiator sends with
// SK_ei/SK_ai and receives with SK_er/SK_ar; the responder the reverse.
func (k IKEKeys) Ciphers(s Suite, initiator bool) (out, in SKCipher, err error) {
	if err := s.Validate(); err != nil {
		return nil, nil, err
	}
	ei, ai, er, ar := k.SKei, k.SKai, k.SKer, k.SKar
	if !initiator {
		ei, ai, er, ar = er, ar, ei, ai
	}
	if out, err = NewSKCipher(s, ei, ai); err != nil {
		return nil, nil, err
	}
	if in, err = NewSKCipher(s, er, ar); err != nil {
		return nil, nil, err
	}
	return out, in, nil
}

// NewSKCipher returns an SK cipher for one direction from its encryption
// key (with salt for AEAD) and integrity key (empty for AEAD). The returned
// value also implements OpenTo, which appends the plaintext to a caller
// buffer instead of allocating.
func NewSKCipher(s Suite, encrKey, integKey []byte) (SKCipher, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if len(encrKey) != s.EncrKeyLen() || len(integKey) != s.IntegKeyLen() {
		return nil, fmt.Errorf("%w: key lengths %d/%d for %s", ErrInvalidSuite, len(encrKey), len(integKey), s)
	}
	spec := encrSpecs[s.Encr]
	if spec.aead {
		return newAEADCipher(s.Encr, spec, encrKey)
	}
	block, err := newBlock(s.Encr, encrKey)
	if err != nil {
		return nil, err
	}
	return newCBCCipher(block, integSpecs[s.Integ], integKey), nil
}

func newBlock(encr uint16, key []byte) (cipher.Block, error) {
	if encr == wire.ENCR_3DES {
		return des.NewTripleDESCipher(key)
	}
	return aes.NewCipher(key)
}

func newAEADCipher(encr uint16, spec encrSpec, keySalt []byte) (*aeadCipher, error) {
	key, salt := keySalt[:len(keySalt)-spec.saltLen], keySalt[len(keySalt)-spec.saltLen:]
	var (
		a   cipher.AEAD
		err error
	)
	if encr == wire.ENCR_CHACHA20_POLY1305 {
		a, err = chacha20poly1305.New(key)
	} else {
		var block cipher.Block
		if block, err = aes.NewCipher(key); err == nil {
			a, err = cipher.NewGCMWithTagSize(block, spec.icvLen)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("ike/crypto: AEAD setup: %w", err)
	}
	c := &aeadCipher{aead: a, icvLen: spec.icvLen}
	copy(c.nonce[:4], salt)
	return c, nil
}

// grow extends dst by n bytes, reallocating only when its capacity is too
// small, and returns the whole slice and the new tail.
func grow(dst []byte, n int) (whole, tail []byte) {
	total := len(dst) + n
	if cap(dst) >= total {
		whole = dst[:total]
	} else {
		whole = make([]byte, total)
		copy(whole, dst)
	}
	return whole, whole[len(dst):]
}
