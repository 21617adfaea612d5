package crypto

import (
	cryptorand "crypto/rand"
	"fmt"
	"io"

	"flexvpn/tunnel/ike/wire"
)

// KeyExchange is one side of an IKE key exchange (Diffie-Hellman).
type KeyExchange interface {
	// Group is the wire KE group ID.
	Group() uint16
	// Public is our public value as carried in the KE payload.
	Public() []byte
	// Shared validates the peer's KE payload data and returns the shared
	// secret g^ir in its IKE encoding.
	Shared(peer []byte) ([]byte, error)
}

// NewKeyExchange generates an ephemeral key pair for group. Elliptic curve
// groups take their randomness from crypto/rand whatever rand is, as the
// standard library does since Go 1.26; MODP groups read rand.
func NewKeyExchange(group uint16, rand io.Reader) (KeyExchange, error) {
	rand = orCryptoRand(rand)
	switch group {
	case wire.KE_CURVE25519, wire.KE_ECP256, wire.KE_ECP384, wire.KE_ECP521:
		return newECDH(group, rand)
	}
	if g, ok := modpGroups[group]; ok {
		return newMODP(group, g, rand)
	}
	if _, ok := kemGroups[group]; ok {
		return newKEMInitiator(group) // crypto/mlkem draws from crypto/rand
	}
	return nil, fmt.Errorf("%w: key exchange group %d", ErrUnsupported, group)
}

// PublicLen is the length in bytes of a KE payload's data for group, so a
// peer's value of any other length can be refused early. For ML-KEM it is
// the initiator's encapsulation key (the responder's ciphertext differs).
func PublicLen(group uint16) (int, error) {
	if k, ok := kemGroups[group]; ok {
		return k.ekLen, nil
	}
	if c, ok := ecdhGroups[group]; ok {
		return c.pubLen, nil
	}
	if g, ok := modpGroups[group]; ok {
		return g.byteLen(), nil
	}
	return 0, fmt.Errorf("%w: key exchange group %d", ErrUnsupported, group)
}

// SupportedGroup reports whether NewKeyExchange implements group.
func SupportedGroup(group uint16) bool {
	_, err := PublicLen(group)
	return err == nil
}

// orCryptoRand returns r, or crypto/rand.Reader when r is nil, so that a
// caller that leaves its randomness unset gets a safe default rather than
// a panic.
func orCryptoRand(r io.Reader) io.Reader {
	if r == nil {
		return cryptorand.Reader
	}
	return r
}
