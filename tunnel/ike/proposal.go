package ike

import (
	"fmt"
	"slices"
	"strings"

	"flexvpn/tunnel/ike/wire"
)

// Cipher is an encryption transform and its key size in bits (0 for a
// fixed-size cipher such as ChaCha20-Poly1305 or 3DES).
type Cipher struct {
	ID      uint16
	KeyBits uint16
}

// Proposal is one IKE or ESP proposal as lists of acceptable transforms.
// Order is preference. An IKE proposal needs Encr, PRF and KE (and Integ
// unless every Encr is AEAD); an ESP proposal needs Encr (Integ unless
// AEAD); its KE list is the PFS groups for CREATE_CHILD_SA and ESN
// defaults to "no ESN". AddKE[n] lists the methods acceptable as the
// additional key exchange ADDKE(n+1) of an IKE proposal (RFC 9370); a 0
// (NONE) entry makes that exchange optional. ML-KEM belongs there (or
// alone in KE); the engine runs one IKE_INTERMEDIATE exchange per
// additional key exchange negotiated.
type Proposal struct {
	Encr  []Cipher
	Integ []uint16
	PRF   []uint16
	KE    []uint16
	ESN   []uint16
	AddKE [7][]uint16
}

var (
	modernGroups = []uint16{wire.KE_CURVE25519, wire.KE_ECP256, wire.KE_ECP384, wire.KE_MODP2048}
	modernPRFs   = []uint16{wire.PRF_HMAC_SHA2_256, wire.PRF_HMAC_SHA2_384, wire.PRF_HMAC_SHA2_512}
	modernIntegs = []uint16{wire.AUTH_HMAC_SHA2_256_128, wire.AUTH_HMAC_SHA2_384_192, wire.AUTH_HMAC_SHA2_512_256}
	aeads        = []Cipher{{wire.ENCR_AES_GCM_16, 256}, {wire.ENCR_CHACHA20_POLY1305, 0}, {wire.ENCR_AES_GCM_16, 128}}
	cbcs         = []Cipher{{wire.ENCR_AES_CBC, 256}, {wire.ENCR_AES_CBC, 128}}
)

// DefaultIKEProposals are the modern IKE proposals: AEAD first, then
// AES-CBC with HMAC-SHA2; groups 31, 19, 20, 14.
func DefaultIKEProposals() []Proposal {
	return []Proposal{
		{Encr: aeads, PRF: modernPRFs, KE: modernGroups},
		{Encr: cbcs, Integ: modernIntegs, PRF: modernPRFs, KE: modernGroups},
	}
}

// LegacyIKEProposal is what old headends (IOS smart default) accept:
// AES-CBC/3DES, SHA1/MD5, DH groups 5 and 2. Only with AllowLegacy.
func LegacyIKEProposal() Proposal {
	return Proposal{
		Encr:  []Cipher{{wire.ENCR_AES_CBC, 256}, {wire.ENCR_AES_CBC, 128}, {wire.ENCR_3DES, 0}},
		Integ: []uint16{wire.AUTH_HMAC_SHA2_256_128, wire.AUTH_HMAC_SHA1_96, wire.AUTH_HMAC_MD5_96},
		PRF:   []uint16{wire.PRF_HMAC_SHA2_256, wire.PRF_HMAC_SHA1, wire.PRF_HMAC_MD5},
		KE:    []uint16{wire.KE_MODP1536, wire.KE_MODP1024},
	}
}

// DefaultESPProposals are the modern ESP proposals (no PFS, no ESN).
func DefaultESPProposals() []Proposal {
	return []Proposal{
		{Encr: aeads, ESN: []uint16{wire.ESN_NO, wire.ESN_YES}},
		{Encr: cbcs, Integ: modernIntegs, ESN: []uint16{wire.ESN_NO, wire.ESN_YES}},
	}
}

// LegacyESPProposal adds 3DES and SHA1/MD5 integrity for old headends.
func LegacyESPProposal() Proposal {
	return Proposal{
		Encr:  []Cipher{{wire.ENCR_AES_CBC, 256}, {wire.ENCR_AES_CBC, 128}, {wire.ENCR_3DES, 0}},
		Integ: []uint16{wire.AUTH_HMAC_SHA1_96, wire.AUTH_HMAC_MD5_96},
		ESN:   []uint16{wire.ESN_NO},
	}
}

// isLegacy reports transforms that are off unless the user opts in.
func isLegacy(t wire.TransformType, id uint16) bool {
	switch t {
	case wire.TransformENCR:
		return id == wire.ENCR_3DES
	case wire.TransformPRF:
		return id == wire.PRF_HMAC_MD5 || id == wire.PRF_HMAC_SHA1
	case wire.TransformINTEG:
		return id == wire.AUTH_HMAC_MD5_96 || id == wire.AUTH_HMAC_SHA1_96
	case wire.TransformKE:
		return id == wire.KE_MODP1024 || id == wire.KE_MODP1536 || id == 1
	}
	return false
}

func isAEAD(encr uint16) bool {
	return encr == wire.ENCR_AES_GCM_16 || encr == wire.ENCR_AES_GCM_12 ||
		encr == wire.ENCR_AES_GCM_8 || encr == wire.ENCR_CHACHA20_POLY1305
}

// hasLegacy reports whether p contains any legacy transform.
func (p Proposal) hasLegacy() bool {
	for _, t := range p.wireTransforms(true) {
		if isLegacy(t.Type, t.ID) {
			return true
		}
	}
	return false
}

// wireTransforms lists p's transforms in wire form; withKE false leaves
// the KE transforms out (a Child SA proposal inside IKE_AUTH).
func (p Proposal) wireTransforms(withKE bool) []wire.Transform {
	var ts []wire.Transform
	for _, c := range p.Encr {
		ts = append(ts, wire.Transform{Type: wire.TransformENCR, ID: c.ID, KeyLength: c.KeyBits})
	}
	ts = appendIDs(ts, wire.TransformPRF, p.PRF)
	ts = appendIDs(ts, wire.TransformINTEG, p.Integ)
	if withKE {
		ts = appendIDs(ts, wire.TransformKE, p.KE)
		for i, ids := range p.AddKE {
			ts = appendIDs(ts, wire.TransformADDKE1+wire.TransformType(i), ids)
		}
	}
	return appendIDs(ts, wire.TransformESN, p.ESN)
}

func appendIDs(ts []wire.Transform, t wire.TransformType, ids []uint16) []wire.Transform {
	for _, id := range ids {
		ts = append(ts, wire.Transform{Type: t, ID: id})
	}
	return ts
}

// toWire numbers ps from 1 for protocol proto with spi.
func toWire(ps []Proposal, proto wire.ProtocolID, spi []byte, withKE bool) []wire.Proposal {
	out := make([]wire.Proposal, 0, len(ps))
	for i, p := range ps {
		if proto == wire.ProtoESP && len(p.ESN) == 0 {
			p.ESN = []uint16{wire.ESN_NO}
		}
		out = append(out, wire.Proposal{Number: uint8(i + 1), Protocol: proto, SPI: spi, Transforms: p.wireTransforms(withKE)})
	}
	return out
}

// selectProposal is the responder's rule: walk the initiator's proposals
// in the initiator's order and take the first one that one of ours
// accepts; inside it, for every transform type take the initiator's first
// transform that our proposal lists. A type we do not list is acceptable
// only as its "none" value (INTEG, KE, ESN 0). Legacy transforms never
// match unless allowLegacy. ignoreKE drops KE transforms from the offer
// (Child SA proposals inside IKE_AUTH carry no key exchange).
func selectProposal(offered []wire.Proposal, ours []Proposal, proto wire.ProtocolID, allowLegacy, ignoreKE bool) (wire.Proposal, bool) {
	return selectWith(offered, ours, proto, matchOpts{allowLegacy: allowLegacy, ignoreKE: ignoreKE, addKE: addKENoneOnly})
}

// addKEMode says how a match treats ADDKE transforms (RFC 9370).
type addKEMode int

const (
	// addKENoneOnly: no additional key exchange here (CREATE_CHILD_SA,
	// which would need IKE_FOLLOWUP_KE, or a peer without
	// INTERMEDIATE_EXCHANGE_SUPPORTED): an offer may list ADDKE types
	// only with NONE among them, and ours are ignored.
	addKENoneOnly addKEMode = iota
	// addKENegotiate picks one ADDKE method per type like any transform.
	addKENegotiate
	// addKEUnknown treats ADDKE as the unknown transform types they are
	// to an implementation that predates RFC 9370: a proposal with any
	// is refused, which is how old peers skip a hybrid proposal.
	addKEUnknown
)

type matchOpts struct {
	allowLegacy, ignoreKE bool
	addKE                 addKEMode
}

// selectIKEProposal selects an IKE SA proposal; addKE tells whether
// additional key exchanges may be negotiated with this peer.
func selectIKEProposal(offered []wire.Proposal, ours []Proposal, allowLegacy bool, addKE addKEMode) (wire.Proposal, bool) {
	return selectWith(offered, ours, wire.ProtoIKE, matchOpts{allowLegacy: allowLegacy, addKE: addKE})
}

func selectWith(offered []wire.Proposal, ours []Proposal, proto wire.ProtocolID, o matchOpts) (wire.Proposal, bool) {
	for _, off := range offered {
		if off.Protocol != proto {
			continue
		}
		for _, our := range ours {
			if ts, ok := matchProposal(off, our, o); ok {
				return wire.Proposal{Number: off.Number, Protocol: proto, SPI: off.SPI, Transforms: ts}, true
			}
		}
	}
	return wire.Proposal{}, false
}

var transformOrder = []wire.TransformType{wire.TransformENCR, wire.TransformPRF, wire.TransformINTEG, wire.TransformKE, wire.TransformESN}

// addKETypes are ADDKE1..ADDKE7 in exchange order.
var addKETypes = []wire.TransformType{6, 7, 8, 9, 10, 11, 12}

func isAddKE(t wire.TransformType) bool {
	return t >= wire.TransformADDKE1 && t <= wire.TransformADDKE1+6
}

func matchProposal(off wire.Proposal, our Proposal, o matchOpts) ([]wire.Transform, bool) {
	for _, t := range off.Transforms {
		known := slices.Contains(transformOrder, t.Type) || (isAddKE(t.Type) && o.addKE != addKEUnknown)
		if !known && t.ID != 0 {
			return nil, false // a transform type we cannot honour
		}
	}
	types := transformOrder
	switch {
	case o.ignoreKE:
		// A Child SA inside IKE_AUTH takes its keys from the IKE SA: like
		// KE (RFC 7296 1.2), additional key exchanges there do not apply.
	case o.addKE == addKENegotiate:
		types = append(slices.Clone(transformOrder), addKETypes...)
	case !addKEOptional(off):
		return nil, false
	}
	var chosen []wire.Transform
	for _, tt := range types {
		if tt == wire.TransformKE && o.ignoreKE {
			continue
		}
		t, ok := matchType(off, our, tt, o.allowLegacy)
		if !ok {
			return nil, false
		}
		if t != nil {
			chosen = append(chosen, *t)
		}
	}
	return chosen, true
}

// addKEOptional reports whether every ADDKE type off lists includes NONE,
// so that the proposal can be taken without additional key exchanges.
func addKEOptional(off wire.Proposal) bool {
	for _, tt := range addKETypes {
		listed := slices.ContainsFunc(off.Transforms, func(t wire.Transform) bool { return t.Type == tt })
		none := slices.ContainsFunc(off.Transforms, func(t wire.Transform) bool { return t.Type == tt && t.ID == 0 })
		if listed && !none {
			return false
		}
	}
	return true
}

// matchType picks the transform of type tt; nil with ok means "none".
func matchType(off wire.Proposal, our Proposal, tt wire.TransformType, allowLegacy bool) (*wire.Transform, bool) {
	ours := our.wireTransforms(true)
	if tt == wire.TransformESN && len(our.ESN) == 0 {
		ours = append(ours, wire.Transform{Type: wire.TransformESN, ID: wire.ESN_NO})
	}
	var offeredAny, oursAny bool
	for _, o := range off.Transforms {
		if o.Type != tt {
			continue
		}
		offeredAny = true
		if isLegacy(tt, o.ID) && !allowLegacy {
			continue
		}
		for _, m := range ours {
			if m.Type == tt && m.ID == o.ID && m.KeyLength == o.KeyLength {
				return &o, true
			}
		}
	}
	for _, m := range ours {
		oursAny = oursAny || m.Type == tt
	}
	switch {
	case !offeredAny && !oursAny:
		return nil, true
	case !offeredAny:
		// The peer offers no transform of this type: fine when ours may be none.
		return nil, tt != wire.TransformENCR && tt != wire.TransformPRF && slices.ContainsFunc(ours, func(m wire.Transform) bool { return m.Type == tt && m.ID == 0 })
	case !oursAny:
		return nil, tt != wire.TransformENCR && tt != wire.TransformPRF && slices.ContainsFunc(off.Transforms, func(o wire.Transform) bool { return o.Type == tt && o.ID == 0 })
	}
	return nil, false
}

// checkChosen validates a responder's answer on the initiator: exactly one
// proposal, at most one transform per type, and all of it from our offer.
func checkChosen(got []wire.Proposal, ours []Proposal, proto wire.ProtocolID, allowLegacy, ignoreKE bool) (wire.Proposal, error) {
	return checkChosenWith(got, ours, proto, matchOpts{allowLegacy: allowLegacy, ignoreKE: ignoreKE, addKE: addKENoneOnly})
}

func checkChosenWith(got []wire.Proposal, ours []Proposal, proto wire.ProtocolID, o matchOpts) (wire.Proposal, error) {
	if len(got) != 1 {
		return wire.Proposal{}, fmt.Errorf("%w: responder chose %d proposals", ErrProtocol, len(got))
	}
	seen := map[wire.TransformType]bool{}
	for _, t := range got[0].Transforms {
		if seen[t.Type] {
			return wire.Proposal{}, fmt.Errorf("%w: responder chose two transforms of type %d", ErrProtocol, t.Type)
		}
		seen[t.Type] = true
	}
	p, ok := selectWith(got, ours, proto, o)
	if !ok || len(p.Transforms) != len(got[0].Transforms) {
		return wire.Proposal{}, fmt.Errorf("%w: responder chose a proposal we did not offer", ErrProtocol)
	}
	return p, nil
}

// transformID returns the chosen transform of type t (0 if absent).
func transformID(p wire.Proposal, t wire.TransformType) (id, keyLen uint16) {
	for _, tr := range p.Transforms {
		if tr.Type == t {
			return tr.ID, tr.KeyLength
		}
	}
	return 0, 0
}

// describe renders a chosen proposal for logs.
func describe(p wire.Proposal) string {
	var b strings.Builder
	for i, t := range p.Transforms {
		if i > 0 {
			b.WriteByte('/')
		}
		fmt.Fprintf(&b, "%d:%d", t.Type, t.ID)
		if t.KeyLength != 0 {
			fmt.Fprintf(&b, "-%d", t.KeyLength)
		}
	}
	return b.String()
}
