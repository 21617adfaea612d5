package esp

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"sync"

	"golang.org/x/crypto/chacha20poly1305"

	"flexvpn/tunnel/ike/wire"
)

const saltLen = 4

// aeadTransform is AES-GCM-16 (RFC 4106) or ChaCha20-Poly1305 (RFC 7634).
// Both use nonce = salt || IV with the 64-bit sequence number as the IV,
// which is unique per key as the sequence number never repeats.
type aeadTransform struct {
	label   string
	aead    cipher.AEAD
	salt    [saltLen]byte
	esn     bool
	scratch sync.Pool // *aeadScratch
}

// aeadScratch holds the nonce and the ESN AAD. They live on the heap, taken
// from a pool, because a stack array passed through the cipher.AEAD
// interface escapes and would allocate on every packet.
type aeadScratch struct {
	nonce [saltLen + aeadIVLen]byte
	aad   [12]byte
}

func newAEADTransform(cfg *Config) (*aeadTransform, error) {
	if len(cfg.EncrKey) <= saltLen {
		return nil, fmt.Errorf("%w: AEAD key of %d bytes has no room for the salt", ErrConfig, len(cfg.EncrKey))
	}
	key := cfg.EncrKey[:len(cfg.EncrKey)-saltLen]
	aead, err := newAEAD(cfg, key)
	if err != nil {
		return nil, err
	}
	t := &aeadTransform{aead: aead, esn: cfg.ESN, label: "chacha20poly1305"}
	if cfg.Encr == wire.ENCR_AES_GCM_16 {
		t.label = fmt.Sprintf("aes%dgcm16", len(key)*8)
	}
	copy(t.salt[:], cfg.EncrKey[len(key):])
	t.scratch.New = func() any { return new(aeadScratch) }
	return t, nil
}

func newAEAD(cfg *Config, key []byte) (cipher.AEAD, error) {
	if cfg.Encr == wire.ENCR_CHACHA20_POLY1305 {
		if err := keyBits(cfg, len(key), 256); err != nil {
			return nil, err
		}
		return chacha20poly1305.New(key)
	}
	if err := keyBits(cfg, len(key), 128, 256); err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return cipher.NewGCM(block)
}

func (t *aeadTransform) name() string { return t.label }
func (t *aeadTransform) ivLen() int   { return aeadIVLen }
func (t *aeadTransform) align() int   { return 4 }
func (t *aeadTransform) icvLen() int  { return aeadICVLen }

// prepare fills the nonce from the packet's IV and returns the AAD: SPI ||
// seq, or SPI || seq-hi || seq-lo with ESN (RFC 4106 5, RFC 7634 2.1).
func (t *aeadTransform) prepare(s *aeadScratch, pkt []byte, seq uint64) []byte {
	copy(s.nonce[:saltLen], t.salt[:])
	copy(s.nonce[saltLen:], pkt[espHeaderLen:espHeaderLen+aeadIVLen])
	if !t.esn {
		return pkt[:espHeaderLen]
	}
	copy(s.aad[:4], pkt[:4])
	binary.BigEndian.PutUint64(s.aad[4:], seq)
	return s.aad[:]
}

func (t *aeadTransform) seal(pkt []byte, ctEnd int, seq uint64) {
	const hdr = espHeaderLen + aeadIVLen
	binary.BigEndian.PutUint64(pkt[espHeaderLen:hdr], seq)
	s := t.scratch.Get().(*aeadScratch)
	aad := t.prepare(s, pkt, seq)
	t.aead.Seal(pkt[hdr:hdr], s.nonce[:], pkt[hdr:ctEnd], aad)
	t.scratch.Put(s)
}

func (t *aeadTransform) open(pkt []byte, seq uint64) error {
	const hdr = espHeaderLen + aeadIVLen
	s := t.scratch.Get().(*aeadScratch)
	aad := t.prepare(s, pkt, seq)
	_, err := t.aead.Open(pkt[hdr:hdr], s.nonce[:], pkt[hdr:], aad)
	t.scratch.Put(s)
	if err != nil {
		return ErrAuth
	}
	return nil
}
