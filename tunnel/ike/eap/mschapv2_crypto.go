package eap

import (
	"crypto/des"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"strings"
	"unicode/utf16"

	"golang.org/x/crypto/md4" //nolint:staticcheck // MS-CHAPv2 is defined on MD4.
)

// MS-CHAPv2 primitives (RFC 2759 section 8) and MPPE key derivation
// (RFC 3079 section 3). The ASCII constants are the RFCs' magic strings.

const (
	challengeLen   = 16
	ntResponseLen  = 24
	ntHashLen      = 16
	authRespLen    = 20 // SHA-1 digest carried as "S=" + 40 hex digits
	mskLen         = 64
	mppeKeyLen     = 16
	rfc2759Magic1  = "Magic server to client signing constant"
	rfc2759Magic2  = "Pad to make it do more than one iteration"
	rfc3079Magic1  = "This is the MPPE Master Key"
	rfc3079Magic2  = "On the client side, this is the send key; on the server side, it is the receive key."
	rfc3079Magic3  = "On the client side, this is the receive key; on the server side, it is the send key."
	rfc3079PadSize = 40
)

// NTHash returns the NT password hash: MD4 over the UTF-16LE encoding of the
// password (RFC 2759 NtPasswordHash). Servers store it instead of the
// password for MS-CHAPv2.
func NTHash(password string) []byte {
	units := utf16.Encode([]rune(password))
	b := make([]byte, 0, 2*len(units))
	for _, u := range units {
		b = append(b, byte(u), byte(u>>8))
	}
	h := md4.New()
	h.Write(b)
	clear(b)
	return h.Sum(nil)
}

// hashNTHash is RFC 2759 HashNtPasswordHash.
func hashNTHash(ntHash []byte) []byte {
	h := md4.New()
	h.Write(ntHash)
	return h.Sum(nil)
}

// mschapUsername is the part of an identity MS-CHAPv2 hashes: a Windows
// "DOMAIN\user" name contributes only "user" (RFC 2759 section 4, as
// Windows and strongSwan do), while the full name still goes on the wire.
func mschapUsername(identity string) string {
	if i := strings.LastIndexByte(identity, '\\'); i >= 0 {
		return identity[i+1:]
	}
	return identity
}

// challengeHash is RFC 2759 ChallengeHash.
func challengeHash(peerChal, authChal []byte, username string) [8]byte {
	h := sha1.New()
	h.Write(peerChal)
	h.Write(authChal)
	h.Write([]byte(username))
	var out [8]byte
	copy(out[:], h.Sum(nil))
	return out
}

// challengeResponse is RFC 2759 ChallengeResponse: the 8-octet challenge
// DES-encrypted under three 7-octet slices of the zero-padded NT hash.
func challengeResponse(chal [8]byte, ntHash []byte) [ntResponseLen]byte {
	var padded [21]byte
	copy(padded[:], ntHash)
	var out [ntResponseLen]byte
	for i := range 3 {
		desEncrypt(out[8*i:8*i+8], padded[7*i:7*i+7], chal[:])
	}
	return out
}

// desEncrypt encrypts one block under a 56-bit key given as 7 octets,
// spreading each 7 bits into an octet whose parity bit DES ignores.
func desEncrypt(dst, key7, block []byte) {
	var key [8]byte
	var acc uint64
	for _, b := range key7 {
		acc = acc<<8 | uint64(b)
	}
	for i := range 8 {
		key[i] = byte(acc>>(49-7*i)) << 1
	}
	c, err := des.NewCipher(key[:])
	if err != nil { // unreachable: the key is always 8 octets
		return
	}
	c.Encrypt(dst, block)
}

// ntResponse is RFC 2759 GenerateNTResponse.
func ntResponse(authChal, peerChal []byte, username string, ntHash []byte) [ntResponseLen]byte {
	return challengeResponse(challengeHash(peerChal, authChal, username), ntHash)
}

// authenticatorResponse is RFC 2759 GenerateAuthenticatorResponse without
// the "S=" and hex framing.
func authenticatorResponse(ntHash, ntResp, peerChal, authChal []byte, username string) [authRespLen]byte {
	h := sha1.New()
	h.Write(hashNTHash(ntHash))
	h.Write(ntResp)
	h.Write([]byte(rfc2759Magic1))
	digest := h.Sum(nil)
	chal := challengeHash(peerChal, authChal, username)
	h.Reset()
	h.Write(digest)
	h.Write(chal[:])
	h.Write([]byte(rfc2759Magic2))
	var out [authRespLen]byte
	copy(out[:], h.Sum(nil))
	return out
}

// formatAuthResponse renders "S=" and 40 upper-case hex digits.
func formatAuthResponse(a [authRespLen]byte) string {
	return "S=" + strings.ToUpper(hex.EncodeToString(a[:]))
}

// verifyAuthResponse compares a received "S=" value (hex digits only, any
// case) with the expected one in constant time.
func verifyAuthResponse(hexDigits string, want [authRespLen]byte) bool {
	got, err := hex.DecodeString(hexDigits)
	if err != nil || len(got) != authRespLen {
		return false
	}
	return subtle.ConstantTimeCompare(got, want[:]) == 1
}

// masterKey is RFC 3079 GetMasterKey.
func masterKey(ntHashHash, ntResp []byte) []byte {
	h := sha1.New()
	h.Write(ntHashHash)
	h.Write(ntResp)
	h.Write([]byte(rfc3079Magic1))
	return h.Sum(nil)[:mppeKeyLen]
}

// asymmetricStartKey is RFC 3079 GetAsymmetricStartKey for a 128-bit key,
// with the magic string chosen by the caller (Magic2 or Magic3).
func asymmetricStartKey(master []byte, magic string) []byte {
	var pad [rfc3079PadSize]byte
	h := sha1.New()
	h.Write(master)
	h.Write(pad[:])
	h.Write([]byte(magic))
	for i := range pad {
		pad[i] = 0xf2
	}
	h.Write(pad[:])
	return h.Sum(nil)[:mppeKeyLen]
}

// mschapv2MSK derives the 64-octet EAP-MS-CHAPv2 MSK. Layout, identical in
// both roles and matching strongSwan's eap_mschapv2 GenerateMSK (which we
// must interoperate with): the Magic2 key (client send = server receive),
// then the Magic3 key (client receive = server send), then 32 zero octets.
func mschapv2MSK(ntHash, ntResp []byte) []byte {
	master := masterKey(hashNTHash(ntHash), ntResp)
	msk := make([]byte, 0, mskLen)
	msk = append(msk, asymmetricStartKey(master, rfc3079Magic2)...)
	msk = append(msk, asymmetricStartKey(master, rfc3079Magic3)...)
	return append(msk, make([]byte, mskLen-2*mppeKeyLen)...)
}
