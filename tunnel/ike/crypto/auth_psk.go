package crypto

import (
	"crypto/subtle"
	"fmt"
)

// keyPad is the fixed string of RFC 7296 2.15.
var keyPad = []byte("Key Pad for IKEv2")

// SignedOctets returns the octets an AUTH payload covers (RFC 7296 2.15):
// the signer's first message (IKE_SA_INIT request for the initiator,
// response for the responder) | the other side's nonce data |
// prf(SK_p, ID body), where SK_p is SK_pi for the initiator's octets and
// SK_pr for the responder's, and idBody is the ID payload body (type,
// 3 reserved bytes, data).
func SignedOctets(p PRF, skp, message, peerNonce, idBody []byte) []byte {
	return concat(message, peerNonce, p.Sum(skp, idBody))
}

// SharedKeyAuth returns the AUTH data for the shared-key method (and for
// EAP with the MSK as the key): prf(prf(psk, "Key Pad for IKEv2"), octets).
func SharedKeyAuth(p PRF, psk, signedOctets []byte) []byte {
	return p.Sum(p.Sum(psk, keyPad), signedOctets)
}

// VerifySharedKey compares received shared-key AUTH data with the expected
// value in constant time.
func VerifySharedKey(p PRF, psk, signedOctets, auth []byte) error {
	want := SharedKeyAuth(p, psk, signedOctets)
	if subtle.ConstantTimeCompare(want, auth) != 1 {
		return fmt.Errorf("%w: shared key", ErrSignature)
	}
	return nil
}
