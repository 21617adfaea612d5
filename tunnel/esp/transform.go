package esp

import (
	"fmt"

	"flexvpn/tunnel/ike/wire"
)

// ESP header sizes (RFC 4303 2): SPI and sequence number, then the IV.
const (
	espHeaderLen = 8
	trailerLen   = 2 // pad length and next header
	aeadIVLen    = 8
	cbcIVLen     = 16
	aeadICVLen   = 16
	maxICVLen    = 32 // HMAC-SHA-512-256
)

// Buffer room a datapath reserves once so that every SA fits.
const (
	// MaxHeadroom is the most bytes any SA writes in front of the inner
	// packet (ESP header + CBC IV). Reserve it once per buffer.
	MaxHeadroom = espHeaderLen + cbcIVLen
	// MaxTailroom is the most bytes any SA writes after the inner packet:
	// CBC padding (up to 15), pad length, next header and the largest ICV.
	MaxTailroom = cbcIVLen - 1 + trailerLen + maxICVLen
)

// Next header values an inner packet carries (IANA protocol numbers).
const (
	NextHeaderIPv4 byte = 4
	NextHeaderIPv6 byte = 41
	// NextHeaderNone marks a dummy (TFC) packet (RFC 4303 2.6); Open
	// returns it like any other and the caller must discard the payload.
	NextHeaderNone byte = 59
)

// transform is one cipher suite. It works on a whole ESP packet laid out as
// header (8) | IV | plaintext-or-ciphertext | ICV and never allocates.
type transform interface {
	// name is the strongSwan-style proposal keyword, for status output.
	name() string
	ivLen() int
	// align is the alignment the ciphertext (payload + trailer) needs.
	align() int
	icvLen() int
	// seal writes the IV, encrypts pkt[hdr:ctEnd] in place and writes the
	// ICV at pkt[ctEnd:ctEnd+icvLen]. The ESP header is already written.
	seal(pkt []byte, ctEnd int, seq uint64)
	// open verifies pkt (ICV last) and decrypts its ciphertext in place;
	// seq is the full (inferred) sequence number. It returns ErrAuth.
	open(pkt []byte, seq uint64) error
}

// newTransform builds the transform a Config names. sealer says whether the
// transform will seal, which CBC needs to set up its IV generator.
func newTransform(cfg *Config, sealer bool) (transform, error) {
	switch cfg.Encr {
	case wire.ENCR_AES_GCM_16, wire.ENCR_CHACHA20_POLY1305:
		if cfg.Integ != wire.AUTH_NONE {
			return nil, fmt.Errorf("%w: AEAD %d with integrity %d", ErrConfig, cfg.Encr, cfg.Integ)
		}
		return newAEADTransform(cfg)
	case wire.ENCR_AES_CBC:
		return newCBCTransform(cfg, sealer)
	}
	return nil, fmt.Errorf("%w: encryption transform %d", ErrUnsupported, cfg.Encr)
}

// keyBits checks the Key Length attribute against the key actually given.
func keyBits(cfg *Config, keyLen int, allowed ...int) error {
	bits := keyLen * 8
	if cfg.EncrKeyBits != 0 && int(cfg.EncrKeyBits) != bits {
		return fmt.Errorf("%w: key length attribute %d but %d-bit key", ErrConfig, cfg.EncrKeyBits, bits)
	}
	for _, a := range allowed {
		if bits == a {
			return nil
		}
	}
	return fmt.Errorf("%w: %d-bit key for transform %d", ErrConfig, bits, cfg.Encr)
}
