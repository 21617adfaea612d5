// Package crypto implements the IKEv2 cryptographic suite: encryption,
// PRF and integrity transforms, prf+, the SKEYSEED key schedule for new and
// rekeyed IKE SAs, Child SA KEYMAT, SK payload seal/open, key exchange
// (Curve25519, NIST ECP, MODP, ML-KEM) with validation of peer public values, and
// the AUTH payload computations (shared key, classic signatures and RFC 7427
// digital signatures).
//
// Legacy transforms (3DES, HMAC-MD5, MODP 1024/1536) exist only to talk to
// old headends; Suite.Legacy reports them so that callers can refuse them
// unless the user opted in.
package crypto

// API contract (the engine in tunnel/ike is written against it):
//
//	type Suite struct{ Encr, EncrKeyBits, PRF, Integ, KE uint16 }  // wire IDs; Integ 0 for AEAD
//	func (s Suite) Validate() error; func (s Suite) Legacy() bool; func (s Suite) String() string
//	func IsAEAD(encr uint16) bool
//	type PRF interface{ Size() int; KeyLen() int; Sum(key, data []byte) []byte }
//	func NewPRF(id uint16) (PRF, error)
//	func PRFPlus(p PRF, key, seed []byte, n int) []byte
//	type KeyExchange interface{ Group() uint16; Public() []byte; Shared(peer []byte) ([]byte, error) }
//	func NewKeyExchange(group uint16, rand io.Reader) (KeyExchange, error)
//	type IKEKeys struct{ SKd, SKai, SKar, SKei, SKer, SKpi, SKpr []byte }
//	func DeriveIKEKeys(s Suite, ni, nr, gir []byte, spii, spir uint64) (IKEKeys, error)
//	func DeriveRekeyedIKEKeys(old PRF, oldSKd []byte, s Suite, gir, ni, nr []byte, spii, spir uint64) (IKEKeys, error)
//	type ChildKeys struct{ Encr, Integ []byte }  // Encr includes the salt for AEAD
//	func DeriveChildKeys(p PRF, skd, gir, ni, nr []byte, encrLen, integLen int) (i2r, r2i ChildKeys)  // gir nil without PFS
//	type SKCipher interface{ BodyLen(plainLen int) int; Seal(dst, aad, plain []byte, rand io.Reader) ([]byte, error); Open(aad, body []byte) ([]byte, error) }
//	func (k IKEKeys) Ciphers(s Suite, initiator bool) (out, in SKCipher, err error)
//	func NATDetectionHash(spii, spir uint64, ap netip.AddrPort) []byte
//	func SharedKeyAuth(p PRF, psk, signedOctets []byte) []byte
//	func SignedOctets(p PRF, skp, message, peerNonce, idBody []byte) []byte  // idBody: ID payload body (type, 3 reserved, data)
//	func Sign(method wire.AuthMethod, key crypto.Signer, octets []byte, peerHashes []wire.HashAlgorithm, rand io.Reader) (auth []byte, err error)
//	func Verify(method wire.AuthMethod, pub crypto.PublicKey, octets, auth []byte) error
//
// Additions beyond the original contract (all compatible with it):
//
//	func EncrKeyLen(encr, keyBits uint16) (int, error)   // salt included for AEAD; IKE and ESP alike
//	func IntegKeyLen(integ uint16) (int, error)
//	func (s Suite) EncrKeyLen() int; func (s Suite) IntegKeyLen() int
//	func NewSKCipher(s Suite, encrKey, integKey []byte) (SKCipher, error)  // one direction
//	  (the concrete ciphers also have OpenTo(dst, aad, body), which appends instead of allocating)
//	func PublicLen(group uint16) (int, error); func SupportedGroup(group uint16) bool
//	func VerifySharedKey(p PRF, psk, signedOctets, auth []byte) error  // constant-time compare
//	func SupportedSignatureHashes() []wire.HashAlgorithm  // for our SIGNATURE_HASH_ALGORITHMS
//	type PSSSigner struct{ crypto.Signer }  // wrap an RSA key to sign method 14 with RSASSA-PSS
//	func SignAuth(key crypto.Signer, octets []byte, peerHashes []wire.HashAlgorithm, rand io.Reader) (wire.AuthMethod, []byte, error)  // method 14, else the classic one
//	func ClassicMethod(pub crypto.PublicKey) (wire.AuthMethod, bool)  // RSA 1, ECDSA 9/10/11
//	func (k *IKEKeys) Wipe(); func (k *ChildKeys) Wipe()  // zero keys on SA delete / after install
//	func (k IKEKeys) WithPPK(p PRF, ppk []byte) IKEKeys  // RFC 8784 post-quantum preshared key
//	func NewResponderKeyExchange(group uint16, rand io.Reader) (KeyExchange, error)  // ML-KEM: encapsulates; Public after Shared
//	func IsKEM(group uint16) bool
//	func Forget(k KeyExchange)  // drop (zero where possible) the private value once the keys are derived
//	func DeriveAddKEKeys(p PRF, s Suite, prev IKEKeys, shared, ni, nr []byte, spii, spir uint64) (IKEKeys, error)  // RFC 9370 2.2.2
//	func IntAuth(p PRF, skp, prev, a, plain []byte) []byte  // RFC 9242 3.3.2 chain step
//	func DeriveRekeyedIKEKeysAddKE(old PRF, oldSKd []byte, s Suite, secrets [][]byte, ni, nr []byte, spii, spir uint64) (IKEKeys, error)  // RFC 9370 2.2.4
//	errors: ErrUnsupported, ErrInvalidSuite, ErrInvalidPublicValue, ErrIntegrity, ErrMalformed,
//	        ErrIVExhausted, ErrKeyType, ErrNoCommonHash, ErrAlgorithm, ErrSignature, ErrKeyForgotten
//
// Behaviour the engine relies on:
//
//   - Seal appends the whole SK body (IV, ciphertext, ICV) to dst; BodyLen
//     is exact. AEAD ciphers use a per-key counter as explicit IV and
//     ignore rand; CBC ciphers read the IV from rand.
//   - Open checks the ICV or tag before anything else; ErrIntegrity means
//     "drop silently", ErrMalformed a bad length or Pad Length.
//   - Shared returns ErrInvalidPublicValue for any bad peer value: wrong
//     length, MODP outside 1 < y < p-1 (and outside the subgroup for group
//     24), ECP point not on the curve, Curve25519 all-zero result.
//   - Sign with an empty peerHashes list applies no constraint; otherwise
//     the hash must be one the peer announced. SHA-1 is never used in
//     method 14, and Verify refuses it there.
//   - Sign returns ErrNoCommonHash when method 14 cannot satisfy the peer's
//     hash list (e.g. it offered only SHA-1); fall back to the classic
//     method for the key type (1 or 9/10/11).
//
// Implemented transforms: ENCR 3DES, AES-CBC (128/192/256), AES-GCM with
// 12- and 16-byte ICV (128/192/256), ChaCha20-Poly1305; PRF HMAC-MD5,
// -SHA1, -SHA2-256/384/512; INTEG HMAC-MD5-96, -SHA1-96,
// -SHA2-256-128/384-192/512-256; KE groups 2, 5, 14, 15, 16, 19, 20, 21,
// 24, 31, and ML-KEM-768/1024 (36/37, for RFC 9370 additional key exchanges). Not implemented: AES-GCM-8 (Go's GCM refuses 8-byte tags),
// AES-CTR, ENCR_NULL, AES-XCBC/CMAC PRFs, Curve448, ML-KEM-512 (not in
// Go's crypto/mlkem).
