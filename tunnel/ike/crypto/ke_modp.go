package crypto

import (
	"crypto/subtle"
	"fmt"
	"io"
	"math/big"
)

// modpKE is a finite-field Diffie-Hellman exchange. math/big exponentiation
// is not constant time; the exponent is ephemeral and used once, which is
// why the legacy groups are still acceptable behind the Legacy flag.
type modpKE struct {
	group uint16
	g     *modpGroup
	x     *big.Int
	pub   []byte
}

func newMODP(group uint16, g *modpGroup, rand io.Reader) (*modpKE, error) {
	x, err := g.randomExponent(rand)
	if err != nil {
		return nil, fmt.Errorf("ike/crypto: key exchange %d: %w", group, err)
	}
	return newMODPFromExponent(group, g, x), nil
}

func newMODPFromExponent(group uint16, g *modpGroup, x *big.Int) *modpKE {
	y := new(big.Int).Exp(g.g, x, g.p)
	return &modpKE{group: group, g: g, x: x, pub: y.FillBytes(make([]byte, g.byteLen()))}
}

func (k *modpKE) Group() uint16  { return k.group }
func (k *modpKE) Public() []byte { return k.pub }

// Shared requires the peer value to be exactly the prime's length with
// 1 < y < p-1 (RFC 7296 leaves it implicit; RFC 6989 section 2.1 spells it
// out), and for a group with a small subgroup, y^q = 1. The secret is
// left-padded with zeros to the prime's length (RFC 7296 2.14).
func (k *modpKE) Shared(peer []byte) ([]byte, error) {
	if k.x == nil {
		return nil, errForgotten(k.group)
	}
	n := k.g.byteLen()
	if len(peer) != n {
		return nil, fmt.Errorf("%w: group %d value of %d bytes, want %d", ErrInvalidPublicValue, k.group, len(peer), n)
	}
	y := new(big.Int).SetBytes(peer)
	pMinus1 := new(big.Int).Sub(k.g.p, bigOne)
	if y.Cmp(bigOne) <= 0 || y.Cmp(pMinus1) >= 0 {
		return nil, fmt.Errorf("%w: group %d value out of range", ErrInvalidPublicValue, k.group)
	}
	if k.g.q != nil && new(big.Int).Exp(y, k.g.q, k.g.p).Cmp(bigOne) != 0 {
		return nil, fmt.Errorf("%w: group %d value outside the prime-order subgroup", ErrInvalidPublicValue, k.group)
	}
	secret := new(big.Int).Exp(y, k.x, k.g.p).FillBytes(make([]byte, n))
	if isOne(secret) {
		return nil, fmt.Errorf("%w: group %d degenerate shared secret", ErrInvalidPublicValue, k.group)
	}
	return secret, nil
}

func isOne(b []byte) bool {
	one := make([]byte, len(b))
	one[len(one)-1] = 1
	return subtle.ConstantTimeCompare(b, one) == 1
}

var bigOne = big.NewInt(1)
