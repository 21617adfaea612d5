package ike

import (
	"fmt"
	"strings"

	"flexvpn/tunnel/ike/wire"
)

// Proposals are written the way strongSwan users know them: transform
// keywords joined by '-', e.g. "aes256gcm16-prfsha384-x25519" (IKE) or
// "aes256-sha256" (ESP). Each keyword is one transform; several of one
// type are alternatives within the proposal. Additional key exchanges
// (RFC 9370) take strongSwan 6's ke1_ .. ke7_ prefixes, e.g.
// "aes256gcm16-prfsha384-x25519-ke1_mlkem768"; "ke1_none" makes ADDKE1
// optional.

type transformSpec struct {
	typ    wire.TransformType
	id     uint16
	keyLen uint16 // key bits for AES; 0 for fixed-size ciphers
	aead   bool
	legacy bool // only to talk to old headends/clients; needs legacy = true
}

var transformKeywords = map[string]transformSpec{
	"aes128":           {typ: wire.TransformENCR, id: wire.ENCR_AES_CBC, keyLen: 128},
	"aes192":           {typ: wire.TransformENCR, id: wire.ENCR_AES_CBC, keyLen: 192},
	"aes256":           {typ: wire.TransformENCR, id: wire.ENCR_AES_CBC, keyLen: 256},
	"aes128gcm16":      {typ: wire.TransformENCR, id: wire.ENCR_AES_GCM_16, keyLen: 128, aead: true},
	"aes192gcm16":      {typ: wire.TransformENCR, id: wire.ENCR_AES_GCM_16, keyLen: 192, aead: true},
	"aes256gcm16":      {typ: wire.TransformENCR, id: wire.ENCR_AES_GCM_16, keyLen: 256, aead: true},
	"chacha20poly1305": {typ: wire.TransformENCR, id: wire.ENCR_CHACHA20_POLY1305, aead: true},
	"3des":             {typ: wire.TransformENCR, id: wire.ENCR_3DES, legacy: true},

	"sha256": {typ: wire.TransformINTEG, id: wire.AUTH_HMAC_SHA2_256_128},
	"sha384": {typ: wire.TransformINTEG, id: wire.AUTH_HMAC_SHA2_384_192},
	"sha512": {typ: wire.TransformINTEG, id: wire.AUTH_HMAC_SHA2_512_256},
	"sha1":   {typ: wire.TransformINTEG, id: wire.AUTH_HMAC_SHA1_96, legacy: true},
	"md5":    {typ: wire.TransformINTEG, id: wire.AUTH_HMAC_MD5_96, legacy: true},

	"prfsha256": {typ: wire.TransformPRF, id: wire.PRF_HMAC_SHA2_256},
	"prfsha384": {typ: wire.TransformPRF, id: wire.PRF_HMAC_SHA2_384},
	"prfsha512": {typ: wire.TransformPRF, id: wire.PRF_HMAC_SHA2_512},
	"prfsha1":   {typ: wire.TransformPRF, id: wire.PRF_HMAC_SHA1, legacy: true},
	"prfmd5":    {typ: wire.TransformPRF, id: wire.PRF_HMAC_MD5, legacy: true},

	"x25519":     {typ: wire.TransformKE, id: wire.KE_CURVE25519},
	"curve25519": {typ: wire.TransformKE, id: wire.KE_CURVE25519},
	"ecp256":     {typ: wire.TransformKE, id: wire.KE_ECP256},
	"ecp384":     {typ: wire.TransformKE, id: wire.KE_ECP384},
	"ecp521":     {typ: wire.TransformKE, id: wire.KE_ECP521},
	"modp2048":   {typ: wire.TransformKE, id: wire.KE_MODP2048},
	"modp3072":   {typ: wire.TransformKE, id: wire.KE_MODP3072},
	"modp4096":   {typ: wire.TransformKE, id: wire.KE_MODP4096},
	"modp1024":   {typ: wire.TransformKE, id: wire.KE_MODP1024, legacy: true},
	"modp1536":   {typ: wire.TransformKE, id: wire.KE_MODP1536, legacy: true},
	"mlkem768":   {typ: wire.TransformKE, id: wire.KE_MLKEM768},
	"mlkem1024":  {typ: wire.TransformKE, id: wire.KE_MLKEM1024},

	"esn":   {typ: wire.TransformESN, id: wire.ESN_YES},
	"noesn": {typ: wire.TransformESN, id: wire.ESN_NO},
}

// prfFor is the PRF an integrity keyword implies when a non-AEAD IKE
// proposal names none (strongSwan does the same).
var prfFor = map[uint16]uint16{
	wire.AUTH_HMAC_SHA2_256_128: wire.PRF_HMAC_SHA2_256,
	wire.AUTH_HMAC_SHA2_384_192: wire.PRF_HMAC_SHA2_384,
	wire.AUTH_HMAC_SHA2_512_256: wire.PRF_HMAC_SHA2_512,
	wire.AUTH_HMAC_SHA1_96:      wire.PRF_HMAC_SHA1,
	wire.AUTH_HMAC_MD5_96:       wire.PRF_HMAC_MD5,
}

// ParseProposal parses one proposal for protocol IKE or ESP into a
// Proposal. It is shared by the server's and the client's configuration. Legacy algorithms are rejected unless allowed.
func ParseProposal(s string, proto wire.ProtocolID, allowLegacy bool) (Proposal, error) {
	var p Proposal
	var legacy []string
	aead, plain := false, false
	for _, kw := range strings.Split(strings.ToLower(strings.TrimSpace(s)), "-") {
		if n, method, ok := addKEKeyword(kw); ok {
			if err := addKE(&p, n, method, proto, &legacy); err != nil {
				return Proposal{}, err
			}
			continue
		}
		spec, ok := transformKeywords[kw]
		if kw == "mlkem512" {
			return Proposal{}, fmt.Errorf("mlkem512 is not implemented (Go's ML-KEM has mlkem768 and mlkem1024)")
		}
		if !ok {
			return Proposal{}, fmt.Errorf("unknown algorithm %q; known ones: aes128/192/256[gcm16], chacha20poly1305, sha256/384/512, prfsha256/384/512, x25519, ecp256/384/521, modp2048/3072/4096, mlkem768/1024, ke1_..ke7_ with a group or none, esn, noesn", kw)
		}
		if spec.legacy {
			legacy = append(legacy, kw)
		}
		if spec.typ == wire.TransformENCR {
			aead, plain = aead || spec.aead, plain || !spec.aead
		}
		addTransform(&p, spec)
	}
	if len(legacy) > 0 && !allowLegacy {
		return Proposal{}, fmt.Errorf("uses legacy algorithms (%s); set legacy = true in [proposals] only to talk to old peers", strings.Join(legacy, ", "))
	}
	if aead && plain {
		return Proposal{}, fmt.Errorf("mixes AEAD and non-AEAD ciphers; put them in separate proposals")
	}
	if err := checkKEPlacement(p); err != nil {
		return Proposal{}, err
	}
	return completeProposal(p, proto, aead)
}

func addTransform(p *Proposal, spec transformSpec) {
	switch spec.typ {
	case wire.TransformENCR:
		p.Encr = append(p.Encr, Cipher{ID: spec.id, KeyBits: spec.keyLen})
	case wire.TransformINTEG:
		p.Integ = append(p.Integ, spec.id)
	case wire.TransformPRF:
		p.PRF = append(p.PRF, spec.id)
	case wire.TransformKE:
		p.KE = append(p.KE, spec.id)
	case wire.TransformESN:
		p.ESN = append(p.ESN, spec.id)
	}
}

// completeProposal checks the transform types a proposal needs and adds
// the PRFs an IKE proposal's integrity algorithms imply.
func completeProposal(p Proposal, proto wire.ProtocolID, aead bool) (Proposal, error) {
	switch {
	case len(p.Encr) == 0:
		return p, fmt.Errorf("has no cipher; add one such as aes256gcm16")
	case !aead && len(p.Integ) == 0:
		return p, fmt.Errorf("has a non-AEAD cipher but no integrity algorithm; add one such as sha256")
	case aead && len(p.Integ) > 0:
		return p, fmt.Errorf("has an AEAD cipher with an integrity algorithm; AEAD needs none, remove it")
	}
	if proto == wire.ProtoESP {
		if len(p.PRF) > 0 {
			return p, fmt.Errorf("names a PRF; ESP proposals have none, remove it")
		}
		return p, nil // no ESN transform means "no ESN" to the engine
	}
	switch {
	case len(p.ESN) > 0:
		return p, fmt.Errorf("names esn/noesn; IKE proposals have none, remove it")
	case len(p.KE) == 0:
		return p, fmt.Errorf("has no key exchange group; add one such as x25519")
	case len(p.PRF) == 0 && aead:
		return p, fmt.Errorf("has an AEAD cipher but no PRF; add one such as prfsha384")
	case len(p.PRF) == 0:
		for _, id := range p.Integ {
			p.PRF = append(p.PRF, prfFor[id])
		}
	}
	return p, nil
}

// addKEKeyword splits "ke3_mlkem768" into ADDKE number 3 and the method
// keyword; ok is false for anything without a ke1_..ke7_ prefix.
func addKEKeyword(kw string) (n int, method string, ok bool) {
	if len(kw) < 4 || !strings.HasPrefix(kw, "ke") || kw[3] != '_' || kw[2] < '1' || kw[2] > '7' {
		return 0, "", false
	}
	return int(kw[2] - '0'), kw[4:], true
}

// addKE adds one additional key exchange method (or none) to ADDKE n.
func addKE(p *Proposal, n int, method string, proto wire.ProtocolID, legacy *[]string) error {
	if proto != wire.ProtoIKE {
		return fmt.Errorf("has additional key exchange ke%d_%s; only IKE proposals support them so far", n, method)
	}
	id := uint16(0)
	if method != "none" {
		spec, ok := transformKeywords[method]
		if method == "mlkem512" {
			return fmt.Errorf("ke%d_mlkem512 is not implemented (Go's ML-KEM has mlkem768 and mlkem1024)", n)
		}
		if !ok || spec.typ != wire.TransformKE {
			return fmt.Errorf("unknown key exchange %q in ke%d_%s; use mlkem768, mlkem1024, a group such as x25519, or none", method, n, method)
		}
		if spec.legacy {
			*legacy = append(*legacy, fmt.Sprintf("ke%d_%s", n, method))
		}
		id = spec.id
	}
	p.AddKE[n-1] = append(p.AddKE[n-1], id)
	return nil
}

// checkKEPlacement keeps ML-KEM where RFC 9370 and the ML-KEM draft put
// it: in an additional key exchange, or alone as the main one.
func checkKEPlacement(p Proposal) error {
	kem := false
	for _, id := range p.KE {
		kem = kem || id == wire.KE_MLKEM768 || id == wire.KE_MLKEM1024
	}
	if !kem {
		return nil
	}
	for _, ids := range p.AddKE {
		if len(ids) > 0 {
			return fmt.Errorf("has ML-KEM as the main key exchange and additional ones; put ML-KEM in ke1_ after a classic group such as x25519")
		}
	}
	return nil
}
