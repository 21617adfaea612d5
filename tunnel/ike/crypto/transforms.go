package crypto

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"hash"

	"flexvpn/tunnel/ike/wire"
)

// encrSpec describes an ENCR transform as IKE uses it.
type encrSpec struct {
	name      string
	keyBits   []uint16 // allowed Key Length attribute values; nil: none allowed
	fixedKey  int      // key bytes when the transform has no Key Length attribute
	blockSize int      // padding granularity inside the SK payload
	ivLen     int      // IV bytes carried in the SK payload
	saltLen   int      // AEAD: implicit nonce bytes taken from the end of the key
	icvLen    int      // AEAD: tag bytes
	aead      bool
	legacy    bool
}

var aesBits = []uint16{128, 192, 256}

// encrSpecs lists the ENCR transforms we implement. AEAD key lengths
// include the 4-byte salt (RFC 5282 section 7.1, RFC 7634 section 2).
var encrSpecs = map[uint16]encrSpec{
	wire.ENCR_3DES:              {name: "3des", fixedKey: 24, blockSize: 8, ivLen: 8, legacy: true},
	wire.ENCR_AES_CBC:           {name: "aes", keyBits: aesBits, blockSize: 16, ivLen: 16},
	wire.ENCR_AES_GCM_12:        {name: "gcm12", keyBits: aesBits, blockSize: 1, ivLen: 8, saltLen: 4, icvLen: 12, aead: true},
	wire.ENCR_AES_GCM_16:        {name: "gcm16", keyBits: aesBits, blockSize: 1, ivLen: 8, saltLen: 4, icvLen: 16, aead: true},
	wire.ENCR_CHACHA20_POLY1305: {name: "chacha20poly1305", fixedKey: 32, blockSize: 1, ivLen: 8, saltLen: 4, icvLen: 16, aead: true},
}

// hashSpec describes an HMAC-based PRF or integrity transform.
type hashSpec struct {
	name   string
	newH   func() hash.Hash
	keyLen int // bytes; for PRFs the preferred key length (RFC 7296 2.13)
	outLen int // PRF output, or truncated ICV length for integrity
	legacy bool
}

// prfSpecs lists the PRF transforms (RFC 2104, RFC 4868).
var prfSpecs = map[uint16]hashSpec{
	wire.PRF_HMAC_MD5:      {name: "prfmd5", newH: md5.New, keyLen: 16, outLen: 16, legacy: true},
	wire.PRF_HMAC_SHA1:     {name: "prfsha1", newH: sha1.New, keyLen: 20, outLen: 20},
	wire.PRF_HMAC_SHA2_256: {name: "prfsha256", newH: sha256.New, keyLen: 32, outLen: 32},
	wire.PRF_HMAC_SHA2_384: {name: "prfsha384", newH: sha512.New384, keyLen: 48, outLen: 48},
	wire.PRF_HMAC_SHA2_512: {name: "prfsha512", newH: sha512.New, keyLen: 64, outLen: 64},
}

// integSpecs lists the integrity transforms; outLen is the truncated ICV
// (RFC 2403, RFC 2404, RFC 4868).
var integSpecs = map[uint16]hashSpec{
	wire.AUTH_HMAC_MD5_96:       {name: "md5", newH: md5.New, keyLen: 16, outLen: 12, legacy: true},
	wire.AUTH_HMAC_SHA1_96:      {name: "sha1", newH: sha1.New, keyLen: 20, outLen: 12},
	wire.AUTH_HMAC_SHA2_256_128: {name: "sha256", newH: sha256.New, keyLen: 32, outLen: 16},
	wire.AUTH_HMAC_SHA2_384_192: {name: "sha384", newH: sha512.New384, keyLen: 48, outLen: 24},
	wire.AUTH_HMAC_SHA2_512_256: {name: "sha512", newH: sha512.New, keyLen: 64, outLen: 32},
}

// groupNames are the proposal-string names of the key exchange groups.
var groupNames = map[uint16]string{
	wire.KE_MODP1024:     "modp1024",
	wire.KE_MODP1536:     "modp1536",
	wire.KE_MODP2048:     "modp2048",
	wire.KE_MODP3072:     "modp3072",
	wire.KE_MODP4096:     "modp4096",
	wire.KE_MODP2048_256: "modp2048s256",
	wire.KE_ECP256:       "ecp256",
	wire.KE_ECP384:       "ecp384",
	wire.KE_ECP521:       "ecp521",
	wire.KE_CURVE25519:   "curve25519",
	wire.KE_MLKEM768:     "mlkem768",
	wire.KE_MLKEM1024:    "mlkem1024",
}

// IsAEAD reports whether encr is a combined-mode (AEAD) cipher, which
// carries no separate integrity transform.
func IsAEAD(encr uint16) bool {
	switch encr {
	case wire.ENCR_AES_GCM_8, wire.ENCR_AES_GCM_12, wire.ENCR_AES_GCM_16, wire.ENCR_CHACHA20_POLY1305:
		return true
	}
	return false
}
