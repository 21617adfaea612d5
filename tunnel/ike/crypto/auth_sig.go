package crypto

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"fmt"
	"io"

	"flexvpn/tunnel/ike/wire"
)

// PSSSigner wraps an RSA signer to make Sign use RSASSA-PSS instead of
// PKCS#1 v1.5 in AUTH method 14. PKCS#1 v1.5 stays the default because
// older headends verify nothing else.
type PSSSigner struct{ crypto.Signer }

// SupportedSignatureHashes lists what we announce in
// SIGNATURE_HASH_ALGORITHMS: everything Verify accepts in method 14.
func SupportedSignatureHashes() []wire.HashAlgorithm {
	return []wire.HashAlgorithm{wire.HashSHA2_256, wire.HashSHA2_384, wire.HashSHA2_512, wire.HashIdentity}
}

// Sign returns the AUTH payload data (after the method byte) signing the
// octets of SignedOctets. Methods: 1 (RSA PKCS#1 v1.5 with SHA-1, RFC
// 7296), 9/10/11 (ECDSA on P-256/384/521 with SHA-256/384/512, r | s,
// RFC 4754) and 14 (RFC 7427: AlgorithmIdentifier length, AlgorithmIdentifier,
// signature). For method 14 the hash comes from peerHashes, the peer's
// SIGNATURE_HASH_ALGORITHMS; an empty list means the peer set no
// constraint. Ed25519 keys sign with method 14 only (RFC 8420).
func Sign(method wire.AuthMethod, key crypto.Signer, octets []byte, peerHashes []wire.HashAlgorithm, rand io.Reader) (auth []byte, err error) {
	rand = orCryptoRand(rand)
	switch method {
	case wire.AuthRSASig:
		if _, ok := publicOf(key).(*rsa.PublicKey); !ok {
			return nil, fmt.Errorf("%w: method 1 needs an RSA key", ErrKeyType)
		}
		return signDigest(key, rand, crypto.SHA1, octets, crypto.SHA1)
	case wire.AuthECDSA256, wire.AuthECDSA384, wire.AuthECDSA521:
		return signECDSAMethod(method, key, octets, rand)
	case wire.AuthDigitalSig:
		return signDigital(key, octets, peerHashes, rand)
	}
	return nil, fmt.Errorf("%w: auth method %d", ErrUnsupported, method)
}

// Verify checks AUTH payload data (after the method byte) over octets with
// the peer's public key (*rsa.PublicKey, *ecdsa.PublicKey or
// ed25519.PublicKey). Method 14 accepts only schemes that fit the key
// type and refuses SHA-1.
func Verify(method wire.AuthMethod, pub crypto.PublicKey, octets, auth []byte) error {
	switch method {
	case wire.AuthRSASig:
		rk, ok := pub.(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("%w: method 1 needs an RSA key", ErrKeyType)
		}
		return wrapSig(rsa.VerifyPKCS1v15(rk, crypto.SHA1, digest(crypto.SHA1, octets), auth))
	case wire.AuthECDSA256, wire.AuthECDSA384, wire.AuthECDSA521:
		return verifyECDSAMethod(method, pub, octets, auth)
	case wire.AuthDigitalSig:
		return verifyDigital(pub, octets, auth)
	}
	return fmt.Errorf("%w: auth method %d", ErrUnsupported, method)
}

func signDigital(key crypto.Signer, octets []byte, peerHashes []wire.HashAlgorithm, rand io.Reader) ([]byte, error) {
	s, err := chooseScheme(key, peerHashes)
	if err != nil {
		return nil, err
	}
	var sig []byte
	switch s.kind {
	case kindEd25519:
		sig, err = key.Sign(rand, octets, crypto.Hash(0))
	case kindRSAPSS:
		sig, err = signDigest(key, rand, s.hash, octets, &rsa.PSSOptions{SaltLength: s.salt, Hash: s.hash})
	default: // PKCS#1 v1.5 and ECDSA (ASN.1 DER signature, RFC 7427 A.3)
		sig, err = signDigest(key, rand, s.hash, octets, s.hash)
	}
	if err != nil {
		return nil, err
	}
	alg := encodeAlg(s)
	out := make([]byte, 0, 1+len(alg)+len(sig))
	out = append(append(append(out, byte(len(alg))), alg...), sig...)
	return out, nil
}

func verifyDigital(pub crypto.PublicKey, octets, auth []byte) error {
	if len(auth) < 1 || len(auth) < 1+int(auth[0]) {
		return fmt.Errorf("%w: truncated AlgorithmIdentifier", ErrAlgorithm)
	}
	s, err := parseAlg(auth[1 : 1+int(auth[0])])
	if err != nil {
		return err
	}
	sig := auth[1+int(auth[0]):]
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return verifyRSA(k, s, octets, sig)
	case *ecdsa.PublicKey:
		if s.kind != kindECDSA {
			return fmt.Errorf("%w: ECDSA key with scheme %d", ErrKeyType, s.kind)
		}
		return wrapSig(boolErr(ecdsa.VerifyASN1(k, digest(s.hash, octets), sig)))
	case ed25519.PublicKey:
		if s.kind != kindEd25519 {
			return fmt.Errorf("%w: Ed25519 key with scheme %d", ErrKeyType, s.kind)
		}
		return wrapSig(boolErr(len(k) == ed25519.PublicKeySize && ed25519.Verify(k, octets, sig)))
	}
	return fmt.Errorf("%w: public key %T", ErrKeyType, pub)
}

func verifyRSA(k *rsa.PublicKey, s sigScheme, octets, sig []byte) error {
	switch s.kind {
	case kindRSAPKCS1:
		return wrapSig(rsa.VerifyPKCS1v15(k, s.hash, digest(s.hash, octets), sig))
	case kindRSAPSS:
		// A declared salt of 0 becomes Go's PSSSaltLengthAuto, which also
		// accepts an empty salt; every other length is enforced exactly.
		opts := &rsa.PSSOptions{SaltLength: s.salt, Hash: s.hash}
		return wrapSig(rsa.VerifyPSS(k, s.hash, digest(s.hash, octets), sig, opts))
	}
	return fmt.Errorf("%w: RSA key with scheme %d", ErrKeyType, s.kind)
}

// chooseScheme picks the method 14 scheme for key given what the peer
// announced: Ed25519 needs "identity"; ECDSA prefers the hash that matches
// the curve; RSA prefers SHA2-256 (the most widely supported). SHA-1 is
// never chosen.
func chooseScheme(key crypto.Signer, peerHashes []wire.HashAlgorithm) (sigScheme, error) {
	switch k := publicOf(key).(type) {
	case ed25519.PublicKey:
		if len(peerHashes) > 0 && !offered(peerHashes, wire.HashIdentity) {
			return sigScheme{}, fmt.Errorf("%w: Ed25519 needs the identity hash", ErrNoCommonHash)
		}
		return sigScheme{kind: kindEd25519}, nil
	case *ecdsa.PublicKey:
		h, err := pickHash(peerHashes, curveHash(k))
		return sigScheme{kind: kindECDSA, hash: h}, err
	case *rsa.PublicKey:
		h, err := pickHash(peerHashes, crypto.SHA256)
		if err != nil {
			return sigScheme{}, err // before h.Size(), which panics for no hash
		}
		if _, pss := key.(PSSSigner); pss {
			return sigScheme{kind: kindRSAPSS, hash: h, salt: h.Size()}, nil
		}
		return sigScheme{kind: kindRSAPKCS1, hash: h}, nil
	}
	return sigScheme{}, fmt.Errorf("%w: signer with public key %T", ErrKeyType, key.Public())
}

// hashIDs maps the SIGNATURE_HASH_ALGORITHMS values we sign with.
var hashIDs = map[crypto.Hash]wire.HashAlgorithm{
	crypto.SHA256: wire.HashSHA2_256,
	crypto.SHA384: wire.HashSHA2_384,
	crypto.SHA512: wire.HashSHA2_512,
}

// pickHash returns preferred if the peer offered it (or offered nothing),
// else the first of SHA2-256, -384, -512 that it offered.
func pickHash(peerHashes []wire.HashAlgorithm, preferred crypto.Hash) (crypto.Hash, error) {
	if len(peerHashes) == 0 || offered(peerHashes, hashIDs[preferred]) {
		return preferred, nil
	}
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		if offered(peerHashes, hashIDs[h]) {
			return h, nil
		}
	}
	return 0, fmt.Errorf("%w: peer offered %v", ErrNoCommonHash, peerHashes)
}

func offered(list []wire.HashAlgorithm, h wire.HashAlgorithm) bool {
	for _, x := range list {
		if x == h {
			return true
		}
	}
	return false
}

// publicOf returns the public key of a signer, looking through PSSSigner.
func publicOf(key crypto.Signer) crypto.PublicKey {
	if key == nil {
		return nil
	}
	return key.Public()
}

func signDigest(key crypto.Signer, rand io.Reader, h crypto.Hash, octets []byte, opts crypto.SignerOpts) ([]byte, error) {
	sig, err := key.Sign(rand, digest(h, octets), opts)
	if err != nil {
		return nil, fmt.Errorf("ike/crypto: sign: %w", err)
	}
	return sig, nil
}

func digest(h crypto.Hash, msg []byte) []byte {
	d := h.New()
	d.Write(msg)
	return d.Sum(nil)
}

func boolErr(ok bool) error {
	if ok {
		return nil
	}
	return ErrSignature
}

func wrapSig(err error) error {
	if err == nil || err == ErrSignature {
		return err
	}
	return fmt.Errorf("%w: %w", ErrSignature, err)
}
