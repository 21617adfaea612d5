package crypto

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"errors"
	"io"

	"flexvpn/tunnel/ike/wire"
)

// ClassicMethod is the authentication method that predates RFC 7427 for
// a public key's type: 1 for RSA, 9/10/11 for ECDSA on P-256/384/521.
// Other keys (Ed25519, other curves) have none.
func ClassicMethod(pub crypto.PublicKey) (wire.AuthMethod, bool) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return wire.AuthRSASig, true
	case *ecdsa.PublicKey:
		for m, e := range ecdsaMethods {
			if e.curve == k.Curve {
				return m, true
			}
		}
	}
	return 0, false
}

// SignAuth picks the authentication method and signs octets with it.
// A peer that announced SIGNATURE_HASH_ALGORITHMS gets an RFC 7427
// signature (method 14) with a hash from its list. A peer that announced
// nothing (it may not know method 14), or nothing we sign with (only
// SHA-1, say), gets the classic method of the key type instead, as
// strongSwan does: failing would only leave the user without a tunnel.
// Ed25519 has no classic method: it signs with method 14 when the peer
// announced nothing, and fails with ErrNoCommonHash when the peer's list
// lacks the identity hash.
func SignAuth(key crypto.Signer, octets []byte, peerHashes []wire.HashAlgorithm, rand io.Reader) (wire.AuthMethod, []byte, error) {
	var err error
	if len(peerHashes) > 0 {
		var auth []byte
		if auth, err = Sign(wire.AuthDigitalSig, key, octets, peerHashes, rand); !errors.Is(err, ErrNoCommonHash) {
			return wire.AuthDigitalSig, auth, err
		}
	}
	if m, ok := ClassicMethod(publicOf(key)); ok {
		auth, err := Sign(m, key, octets, nil, rand)
		return m, auth, err
	}
	if err != nil {
		return 0, nil, err
	}
	auth, err := Sign(wire.AuthDigitalSig, key, octets, nil, rand)
	return wire.AuthDigitalSig, auth, err
}
