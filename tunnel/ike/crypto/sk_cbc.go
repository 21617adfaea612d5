package crypto

import (
	"crypto/cipher"
	"crypto/hmac"
	"crypto/subtle"
	"fmt"
	"hash"
	"io"
	"sync"
)

// cbcCipher is an SK cipher with a CBC block cipher (AES, 3DES) and a
// truncated-HMAC ICV over aad | IV | ciphertext (RFC 7296 3.14).
//
// The HMAC state and CBC modes are kept and reset per message, under mu,
// so that sealing and opening do not allocate.
type cbcCipher struct {
	mu     sync.Mutex
	block  cipher.Block
	bs     int
	mac    hash.Hash
	icvLen int
	sum    [64]byte // scratch for the untruncated HMAC
	enc    cipher.BlockMode
	dec    cipher.BlockMode
}

// ivSetter is implemented by the standard library's CBC modes; it lets one
// mode serve every message of the SA.
type ivSetter interface{ SetIV([]byte) }

func newCBCCipher(block cipher.Block, integ hashSpec, key []byte) *cbcCipher {
	bs := block.BlockSize()
	zero := make([]byte, bs)
	return &cbcCipher{
		block:  block,
		bs:     bs,
		mac:    hmac.New(integ.newH, key),
		icvLen: integ.outLen,
		enc:    cipher.NewCBCEncrypter(block, zero),
		dec:    cipher.NewCBCDecrypter(block, zero),
	}
}

// BodyLen: IV, plaintext padded with at least the Pad Length byte to a
// block multiple, ICV.
func (c *cbcCipher) BodyLen(plainLen int) int {
	return c.bs + c.paddedLen(plainLen) + c.icvLen
}

func (c *cbcCipher) paddedLen(plainLen int) int {
	return (plainLen + 1 + c.bs - 1) / c.bs * c.bs
}

func (c *cbcCipher) Seal(dst, aad, plain []byte, rand io.Reader) ([]byte, error) {
	whole, body := grow(dst, c.BodyLen(len(plain)))
	iv, ct := body[:c.bs], body[c.bs:c.bs+c.paddedLen(len(plain))]
	if _, err := io.ReadFull(orCryptoRand(rand), iv); err != nil {
		return dst, fmt.Errorf("ike/crypto: IV: %w", err)
	}
	n := copy(ct, plain)
	clear(ct[n : len(ct)-1]) // padding octets may hold anything; zero is simplest
	ct[len(ct)-1] = byte(len(ct) - n - 1)

	c.mu.Lock()
	defer c.mu.Unlock()
	c.cbc(c.enc, cipher.NewCBCEncrypter, iv, ct, ct)
	copy(body[len(body)-c.icvLen:], c.icv(aad, body[:len(body)-c.icvLen]))
	return whole, nil
}

func (c *cbcCipher) Open(aad, body []byte) ([]byte, error) {
	return c.OpenTo(nil, aad, body)
}

// OpenTo is Open appending the plaintext to dst, which must not overlap
// body. The ICV is checked before anything is decrypted, in constant time.
func (c *cbcCipher) OpenTo(dst, aad, body []byte) ([]byte, error) {
	ctLen := len(body) - c.bs - c.icvLen
	if ctLen < c.bs || ctLen%c.bs != 0 {
		return dst, fmt.Errorf("%w: body of %d bytes", ErrMalformed, len(body))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	signed := body[:len(body)-c.icvLen]
	if subtle.ConstantTimeCompare(c.icv(aad, signed), body[len(signed):]) != 1 {
		return dst, ErrIntegrity
	}
	whole, pt := grow(dst, ctLen)
	c.cbc(c.dec, cipher.NewCBCDecrypter, body[:c.bs], pt, body[c.bs:len(signed)])
	padLen := int(pt[ctLen-1])
	if padLen+1 > ctLen {
		return dst, fmt.Errorf("%w: pad length %d in %d bytes", ErrMalformed, padLen, ctLen)
	}
	return whole[:len(whole)-padLen-1], nil
}

// cbc runs mode from src into dst with iv, reusing mode when it can take
// a new IV (the standard library's modes can), else building one.
func (c *cbcCipher) cbc(mode cipher.BlockMode, mk func(cipher.Block, []byte) cipher.BlockMode, iv, dst, src []byte) {
	if s, ok := mode.(ivSetter); ok {
		s.SetIV(iv)
	} else {
		mode = mk(c.block, iv)
	}
	mode.CryptBlocks(dst, src)
}

// icv returns the truncated HMAC over aad | signed in c.sum; mu is held.
func (c *cbcCipher) icv(aad, signed []byte) []byte {
	c.mac.Reset()
	c.mac.Write(aad)
	c.mac.Write(signed)
	return c.mac.Sum(c.sum[:0])[:c.icvLen]
}
