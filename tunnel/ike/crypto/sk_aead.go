package crypto

import (
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"io"
	"sync"
)

// aeadCipher is an SK cipher with AES-GCM (RFC 5282) or ChaCha20-Poly1305
// (RFC 7634). The nonce is salt (4 bytes, from the key material) | explicit
// IV (8 bytes, in the payload). The explicit IV is a counter, so it never
// repeats under one key; the two directions have different keys.
type aeadCipher struct {
	mu     sync.Mutex
	aead   cipher.AEAD
	icvLen int
	next   uint64   // next explicit IV
	spent  bool     // next wrapped around: every IV was used
	nonce  [12]byte // salt | explicit IV; kept here so Seal does not allocate
}

const aeadIVLen = 8

// BodyLen: IV, plaintext, Pad Length (no padding: the block size is one
// byte), ICV.
func (c *aeadCipher) BodyLen(plainLen int) int {
	return aeadIVLen + plainLen + 1 + c.icvLen
}

func (c *aeadCipher) Seal(dst, aad, plain []byte, _ io.Reader) ([]byte, error) {
	whole, body := grow(dst, c.BodyLen(len(plain)))
	copy(body[aeadIVLen:], plain)
	body[aeadIVLen+len(plain)] = 0 // Pad Length
	if err := c.sealInPlace(body, len(plain)+1, aad); err != nil {
		return dst, err
	}
	return whole, nil
}

// sealRaw seals msg as given (padding and Pad Length included), for tests
// that need padding other than ours.
func (c *aeadCipher) sealRaw(dst, aad, msg []byte) ([]byte, error) {
	whole, body := grow(dst, aeadIVLen+len(msg)+c.icvLen)
	copy(body[aeadIVLen:], msg)
	if err := c.sealInPlace(body, len(msg), aad); err != nil {
		return dst, err
	}
	return whole, nil
}

// sealInPlace takes body = room for the IV | msgLen bytes of message |
// room for the tag, and fills in the IV, ciphertext and tag.
func (c *aeadCipher) sealInPlace(body []byte, msgLen int, aad []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.spent {
		return ErrIVExhausted
	}
	binary.BigEndian.PutUint64(body[:aeadIVLen], c.next)
	c.next++
	c.spent = c.next == 0
	copy(c.nonce[4:], body[:aeadIVLen])
	msg := body[aeadIVLen : aeadIVLen+msgLen]
	c.aead.Seal(msg[:0], c.nonce[:], msg, aad)
	return nil
}

func (c *aeadCipher) Open(aad, body []byte) ([]byte, error) {
	return c.OpenTo(nil, aad, body)
}

// OpenTo is Open appending the plaintext to dst, which must not overlap
// body. The tag is verified before any plaintext is released.
func (c *aeadCipher) OpenTo(dst, aad, body []byte) ([]byte, error) {
	out, err := c.openRaw(dst, aad, body)
	if err != nil {
		return dst, err
	}
	pt := out[len(dst):]
	padLen := int(pt[len(pt)-1])
	if padLen+1 > len(pt) {
		return dst, fmt.Errorf("%w: pad length %d in %d bytes", ErrMalformed, padLen, len(pt))
	}
	return out[:len(out)-padLen-1], nil
}

// openRaw authenticates and decrypts body (IV | ciphertext | tag) without
// interpreting the padding; the result is at least one byte long.
func (c *aeadCipher) openRaw(dst, aad, body []byte) ([]byte, error) {
	if len(body) < aeadIVLen+1+c.icvLen {
		return dst, fmt.Errorf("%w: body of %d bytes", ErrMalformed, len(body))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	copy(c.nonce[4:], body[:aeadIVLen])
	out, err := c.aead.Open(dst, c.nonce[:], body[aeadIVLen:], aad)
	if err != nil {
		return dst, ErrIntegrity
	}
	return out, nil
}
