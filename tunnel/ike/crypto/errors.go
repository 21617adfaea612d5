package crypto

import "errors"

// Sentinel errors. Callers test them with errors.Is; the returned errors
// wrap them with detail.
var (
	// ErrUnsupported reports a transform, group or method this package does
	// not implement.
	ErrUnsupported = errors.New("ike/crypto: unsupported")

	// ErrInvalidSuite reports a Suite whose transforms do not fit together
	// (for example an AEAD cipher with an integrity transform).
	ErrInvalidSuite = errors.New("ike/crypto: invalid suite")

	// ErrInvalidPublicValue reports a peer key exchange value of the wrong
	// length, out of range, not on the curve, or giving a degenerate secret.
	ErrInvalidPublicValue = errors.New("ike/crypto: invalid peer public value")

	// ErrIntegrity reports an SK payload whose ICV or AEAD tag does not
	// verify. Such a message must be dropped silently.
	ErrIntegrity = errors.New("ike/crypto: integrity check failed")

	// ErrMalformed reports an SK payload body whose length or padding does
	// not fit the cipher.
	ErrMalformed = errors.New("ike/crypto: malformed encrypted payload")

	// ErrIVExhausted reports that an AEAD cipher used all 2^64 explicit IVs;
	// the IKE SA must be rekeyed long before this.
	ErrIVExhausted = errors.New("ike/crypto: AEAD IV space exhausted")

	// ErrKeyType reports a key that does not fit the authentication method.
	ErrKeyType = errors.New("ike/crypto: key does not fit authentication method")

	// ErrNoCommonHash reports that the peer's SIGNATURE_HASH_ALGORITHMS
	// holds no hash we can sign with for this key.
	ErrNoCommonHash = errors.New("ike/crypto: no common signature hash algorithm")

	// ErrAlgorithm reports an RFC 7427 AlgorithmIdentifier that is
	// malformed, unknown, or refused (SHA-1).
	ErrAlgorithm = errors.New("ike/crypto: unacceptable signature algorithm")

	// ErrSignature reports an AUTH payload that does not verify.
	ErrSignature = errors.New("ike/crypto: authentication data does not verify")

	// ErrKeyForgotten reports Shared on a key exchange whose private value
	// was dropped with Forget: a bug in the caller, not a peer's fault.
	ErrKeyForgotten = errors.New("ike/crypto: key exchange private value forgotten")
)
