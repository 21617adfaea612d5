package crypto

import (
	"crypto"
	"encoding/asn1"
	"fmt"
)

// sigKind is the signature family of an RFC 7427 AlgorithmIdentifier.
type sigKind uint8

const (
	kindRSAPKCS1 sigKind = iota + 1
	kindRSAPSS
	kindECDSA
	kindEd25519
)

// sigScheme is a signature algorithm as AUTH method 14 names it.
type sigScheme struct {
	kind sigKind
	hash crypto.Hash // 0 for Ed25519 (RFC 8420: identity)
	salt int         // RSA-PSS salt length
}

// AlgorithmIdentifier DER encodings we send (RFC 7427 appendix A; RFC 8420
// for Ed25519). PSS uses MGF1 with the message hash and a salt as long as
// the hash, the parameters RFC 7427 A.4.3 shows for SHA-256.
var (
	algRSASHA256 = []byte{0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00}
	algRSASHA384 = []byte{0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c, 0x05, 0x00}
	algRSASHA512 = []byte{0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d, 0x05, 0x00}

	algECDSASHA256 = []byte{0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02}
	algECDSASHA384 = []byte{0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03}
	algECDSASHA512 = []byte{0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04}

	algEd25519 = []byte{0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70}

	algPSSSHA256 = pssAlg(0x01, 0x20)
	algPSSSHA384 = pssAlg(0x02, 0x30)
	algPSSSHA512 = pssAlg(0x03, 0x40)
)

// pssAlg fills the two places where the RSASSA-PSS AlgorithmIdentifier
// varies with the hash: the last arc of the hash OID (twice, for the hash
// and for MGF1) and the salt length.
func pssAlg(hashArc, salt byte) []byte {
	hashAlg := []byte{0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, hashArc, 0x05, 0x00}
	b := []byte{0x30, 0x41, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a, 0x30, 0x34, 0xa0, 0x0f}
	b = append(b, hashAlg...)
	b = append(b, 0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08)
	b = append(b, hashAlg...)
	return append(b, 0xa2, 0x03, 0x02, 0x01, salt)
}

// encodeAlg returns the AlgorithmIdentifier we send for a scheme.
func encodeAlg(s sigScheme) []byte {
	switch s.kind {
	case kindEd25519:
		return algEd25519
	case kindRSAPKCS1:
		return pick(s.hash, algRSASHA256, algRSASHA384, algRSASHA512)
	case kindRSAPSS:
		return pick(s.hash, algPSSSHA256, algPSSSHA384, algPSSSHA512)
	default:
		return pick(s.hash, algECDSASHA256, algECDSASHA384, algECDSASHA512)
	}
}

func pick(h crypto.Hash, a256, a384, a512 []byte) []byte {
	switch h {
	case crypto.SHA384:
		return a384
	case crypto.SHA512:
		return a512
	}
	return a256
}

// Object identifiers recognised in a received AlgorithmIdentifier.
var (
	oidRSASHA1     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	oidRSASHA256   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidRSASHA384   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidRSASHA512   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidRSAPSS      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidMGF1        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	oidECDSASHA1   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}
	oidECDSASHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSASHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSASHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidEd25519     = asn1.ObjectIdentifier{1, 3, 101, 112}
	oidSHA1        = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256      = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384      = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512      = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
)

type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

// pssParameters is RSASSA-PSS-params (RFC 4055 section 3.1). Absent hash
// and MGF mean SHA-1, which we refuse; so they are required here, and the
// salt length defaults to 20 as the RFC says.
type pssParameters struct {
	Hash         algorithmIdentifier `asn1:"explicit,tag:0"`
	MGF          algorithmIdentifier `asn1:"explicit,tag:1"`
	SaltLength   int                 `asn1:"explicit,tag:2,optional,default:20"`
	TrailerField int                 `asn1:"explicit,tag:3,optional,default:1"`
}

var fixedHashOIDs = []struct {
	oid  asn1.ObjectIdentifier
	kind sigKind
	hash crypto.Hash
}{
	{oidRSASHA256, kindRSAPKCS1, crypto.SHA256},
	{oidRSASHA384, kindRSAPKCS1, crypto.SHA384},
	{oidRSASHA512, kindRSAPKCS1, crypto.SHA512},
	{oidECDSASHA256, kindECDSA, crypto.SHA256},
	{oidECDSASHA384, kindECDSA, crypto.SHA384},
	{oidECDSASHA512, kindECDSA, crypto.SHA512},
}

// parseAlg decodes a received AlgorithmIdentifier into a scheme. SHA-1
// schemes are refused (RFC 8247 section 3.3 forbids them in method 14).
func parseAlg(der []byte) (sigScheme, error) {
	var a algorithmIdentifier
	rest, err := asn1.Unmarshal(der, &a)
	if err != nil || len(rest) != 0 {
		return sigScheme{}, fmt.Errorf("%w: malformed AlgorithmIdentifier", ErrAlgorithm)
	}
	switch {
	case a.Algorithm.Equal(oidRSASHA1), a.Algorithm.Equal(oidECDSASHA1):
		return sigScheme{}, fmt.Errorf("%w: SHA-1 (%v)", ErrAlgorithm, a.Algorithm)
	case a.Algorithm.Equal(oidEd25519):
		return sigScheme{kind: kindEd25519}, absentParams(a)
	case a.Algorithm.Equal(oidRSAPSS):
		return parsePSS(a.Parameters.FullBytes)
	}
	for _, f := range fixedHashOIDs {
		if a.Algorithm.Equal(f.oid) {
			return sigScheme{kind: f.kind, hash: f.hash}, nullOrAbsentParams(a, f.kind)
		}
	}
	return sigScheme{}, fmt.Errorf("%w: unknown algorithm %v", ErrAlgorithm, a.Algorithm)
}

// absentParams insists on no parameters (ECDSA, Ed25519: RFC 5758, 8410).
func absentParams(a algorithmIdentifier) error {
	if len(a.Parameters.FullBytes) != 0 {
		return fmt.Errorf("%w: unexpected parameters for %v", ErrAlgorithm, a.Algorithm)
	}
	return nil
}

// nullOrAbsentParams accepts NULL or absent parameters for the PKCS#1
// algorithms, since implementations differ in practice.
func nullOrAbsentParams(a algorithmIdentifier, kind sigKind) error {
	p := a.Parameters.FullBytes
	if kind == kindRSAPKCS1 && len(p) == 2 && p[0] == 0x05 && p[1] == 0 {
		return nil
	}
	return absentParams(a)
}

func parsePSS(der []byte) (sigScheme, error) {
	var p pssParameters
	rest, err := asn1.Unmarshal(der, &p)
	if err != nil || len(rest) != 0 {
		return sigScheme{}, fmt.Errorf("%w: malformed RSASSA-PSS parameters", ErrAlgorithm)
	}
	h, err := hashFromOID(p.Hash)
	if err != nil {
		return sigScheme{}, err
	}
	var mgfHash algorithmIdentifier
	if !p.MGF.Algorithm.Equal(oidMGF1) {
		return sigScheme{}, fmt.Errorf("%w: mask generation %v", ErrAlgorithm, p.MGF.Algorithm)
	}
	if rest, err := asn1.Unmarshal(p.MGF.Parameters.FullBytes, &mgfHash); err != nil || len(rest) != 0 {
		return sigScheme{}, fmt.Errorf("%w: malformed MGF1 parameters", ErrAlgorithm)
	}
	if mh, err := hashFromOID(mgfHash); err != nil || mh != h {
		return sigScheme{}, fmt.Errorf("%w: MGF1 hash differs from message hash", ErrAlgorithm)
	}
	if p.SaltLength < 0 || p.SaltLength > 512 || p.TrailerField != 1 {
		return sigScheme{}, fmt.Errorf("%w: PSS salt %d trailer %d", ErrAlgorithm, p.SaltLength, p.TrailerField)
	}
	return sigScheme{kind: kindRSAPSS, hash: h, salt: p.SaltLength}, nil
}

func hashFromOID(a algorithmIdentifier) (crypto.Hash, error) {
	switch {
	case a.Algorithm.Equal(oidSHA256):
		return crypto.SHA256, nil
	case a.Algorithm.Equal(oidSHA384):
		return crypto.SHA384, nil
	case a.Algorithm.Equal(oidSHA512):
		return crypto.SHA512, nil
	case a.Algorithm.Equal(oidSHA1):
		return 0, fmt.Errorf("%w: SHA-1 in RSASSA-PSS", ErrAlgorithm)
	}
	return 0, fmt.Errorf("%w: hash %v", ErrAlgorithm, a.Algorithm)
}
