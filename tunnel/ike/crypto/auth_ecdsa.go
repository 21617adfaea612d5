package crypto

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/asn1"
	"fmt"
	"io"
	"math/big"

	"flexvpn/tunnel/ike/wire"
)

// ecdsaMethod ties an RFC 4754 AUTH method to its curve and hash.
type ecdsaMethod struct {
	curve elliptic.Curve
	hash  crypto.Hash
}

var ecdsaMethods = map[wire.AuthMethod]ecdsaMethod{
	wire.AuthECDSA256: {elliptic.P256(), crypto.SHA256},
	wire.AuthECDSA384: {elliptic.P384(), crypto.SHA384},
	wire.AuthECDSA521: {elliptic.P521(), crypto.SHA512},
}

// curveHash is the hash that matches a curve's strength.
func curveHash(k *ecdsa.PublicKey) crypto.Hash {
	for _, m := range ecdsaMethods {
		if m.curve == k.Curve {
			return m.hash
		}
	}
	return crypto.SHA256
}

// signECDSAMethod signs for methods 9/10/11: the key must be on the
// method's curve, and the DER signature from crypto.Signer is converted to
// r | s, each left-padded to the curve's byte length (RFC 4754 section 7).
func signECDSAMethod(method wire.AuthMethod, key crypto.Signer, octets []byte, rand io.Reader) ([]byte, error) {
	m := ecdsaMethods[method]
	pub, ok := publicOf(key).(*ecdsa.PublicKey)
	if !ok || pub.Curve != m.curve {
		return nil, fmt.Errorf("%w: method %d needs an ECDSA %s key", ErrKeyType, method, m.curve.Params().Name)
	}
	der, err := signDigest(key, rand, m.hash, octets, m.hash)
	if err != nil {
		return nil, err
	}
	var sig struct{ R, S *big.Int }
	n := coordLen(m.curve)
	if rest, err := asn1.Unmarshal(der, &sig); err != nil || len(rest) != 0 || !fits(sig.R, n) || !fits(sig.S, n) {
		return nil, fmt.Errorf("ike/crypto: signer returned a malformed ECDSA signature")
	}
	out := make([]byte, 2*n)
	sig.R.FillBytes(out[:n])
	sig.S.FillBytes(out[n:])
	return out, nil
}

func verifyECDSAMethod(method wire.AuthMethod, pub crypto.PublicKey, octets, auth []byte) error {
	m := ecdsaMethods[method]
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok || k.Curve != m.curve {
		return fmt.Errorf("%w: method %d needs an ECDSA %s key", ErrKeyType, method, m.curve.Params().Name)
	}
	n := coordLen(m.curve)
	if len(auth) != 2*n {
		return fmt.Errorf("%w: ECDSA signature of %d bytes, want %d", ErrSignature, len(auth), 2*n)
	}
	r := new(big.Int).SetBytes(auth[:n])
	s := new(big.Int).SetBytes(auth[n:])
	return boolErr(ecdsa.Verify(k, digest(m.hash, octets), r, s))
}

// fits reports whether x is a positive integer of at most n bytes.
func fits(x *big.Int, n int) bool { return x != nil && x.Sign() > 0 && x.BitLen() <= 8*n }

func coordLen(c elliptic.Curve) int { return (c.Params().BitSize + 7) / 8 }
