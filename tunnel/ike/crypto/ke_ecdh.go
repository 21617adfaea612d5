package crypto

import (
	"crypto/ecdh"
	"fmt"
	"io"

	"flexvpn/tunnel/ike/wire"
)

// ecdhGroup maps an IKE group to a crypto/ecdh curve and its KE payload
// length: 32 for Curve25519 (RFC 8031), x | y for the NIST curves
// (RFC 5903 section 7, no 0x04 point-format prefix).
type ecdhGroup struct {
	curve  ecdh.Curve
	pubLen int
	nist   bool
}

var ecdhGroups = map[uint16]ecdhGroup{
	wire.KE_CURVE25519: {curve: ecdh.X25519(), pubLen: 32},
	wire.KE_ECP256:     {curve: ecdh.P256(), pubLen: 64, nist: true},
	wire.KE_ECP384:     {curve: ecdh.P384(), pubLen: 96, nist: true},
	wire.KE_ECP521:     {curve: ecdh.P521(), pubLen: 132, nist: true},
}

type ecdhKE struct {
	group uint16
	g     ecdhGroup
	priv  *ecdh.PrivateKey
	pub   []byte // set by forget, when priv is dropped
}

func newECDH(group uint16, rand io.Reader) (*ecdhKE, error) {
	g := ecdhGroups[group]
	priv, err := g.curve.GenerateKey(rand)
	if err != nil {
		return nil, fmt.Errorf("ike/crypto: key exchange %d: %w", group, err)
	}
	return &ecdhKE{group: group, g: g, priv: priv}, nil
}

// newECDHFromPrivate builds a key exchange from a fixed private key, for
// known-answer tests.
func newECDHFromPrivate(group uint16, key []byte) (*ecdhKE, error) {
	g, ok := ecdhGroups[group]
	if !ok {
		return nil, fmt.Errorf("%w: key exchange group %d", ErrUnsupported, group)
	}
	priv, err := g.curve.NewPrivateKey(key)
	if err != nil {
		return nil, err
	}
	return &ecdhKE{group: group, g: g, priv: priv}, nil
}

func (k *ecdhKE) Group() uint16 { return k.group }

func (k *ecdhKE) Public() []byte {
	if k.priv == nil {
		return k.pub
	}
	pub := k.priv.PublicKey().Bytes()
	if k.g.nist {
		pub = pub[1:] // drop the uncompressed-point 0x04 prefix
	}
	return pub
}

// Shared checks the length, that a NIST point is on the curve (and not the
// identity), and for Curve25519 that the result is not all zero (RFC 8031
// section 2.3); crypto/ecdh performs the last two checks.
func (k *ecdhKE) Shared(peer []byte) ([]byte, error) {
	if k.priv == nil {
		return nil, errForgotten(k.group)
	}
	if len(peer) != k.g.pubLen {
		return nil, fmt.Errorf("%w: group %d value of %d bytes, want %d", ErrInvalidPublicValue, k.group, len(peer), k.g.pubLen)
	}
	enc := peer
	if k.g.nist {
		enc = append([]byte{4}, peer...)
	}
	pub, err := k.g.curve.NewPublicKey(enc)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidPublicValue, err)
	}
	secret, err := k.priv.ECDH(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidPublicValue, err)
	}
	return secret, nil
}
