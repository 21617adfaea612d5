package ike

import (
	"testing"

	"flexvpn/tunnel/ike/wire"
)

func tr(t wire.TransformType, id uint16, kl uint16) wire.Transform {
	return wire.Transform{Type: t, ID: id, KeyLength: kl}
}

var (
	gcm256  = tr(wire.TransformENCR, wire.ENCR_AES_GCM_16, 256)
	cbc256  = tr(wire.TransformENCR, wire.ENCR_AES_CBC, 256)
	cbc128  = tr(wire.TransformENCR, wire.ENCR_AES_CBC, 128)
	des3    = tr(wire.TransformENCR, wire.ENCR_3DES, 0)
	prf256  = tr(wire.TransformPRF, wire.PRF_HMAC_SHA2_256, 0)
	prf384  = tr(wire.TransformPRF, wire.PRF_HMAC_SHA2_384, 0)
	prfMD5  = tr(wire.TransformPRF, wire.PRF_HMAC_MD5, 0)
	int256  = tr(wire.TransformINTEG, wire.AUTH_HMAC_SHA2_256_128, 0)
	intSHA1 = tr(wire.TransformINTEG, wire.AUTH_HMAC_SHA1_96, 0)
	x25519  = tr(wire.TransformKE, wire.KE_CURVE25519, 0)
	ecp256  = tr(wire.TransformKE, wire.KE_ECP256, 0)
	modp1k  = tr(wire.TransformKE, wire.KE_MODP1024, 0)
	esnNo   = tr(wire.TransformESN, wire.ESN_NO, 0)
	esnYes  = tr(wire.TransformESN, wire.ESN_YES, 0)
)

func prop(n uint8, proto wire.ProtocolID, ts ...wire.Transform) wire.Proposal {
	return wire.Proposal{Number: n, Protocol: proto, Transforms: ts}
}

// TestSelectProposal documents the responder's rule: the initiator's
// proposals in the initiator's order, the first one any of ours accepts;
// inside it the initiator's first transform of each type that we list.
func TestSelectProposal(t *testing.T) {
	ours := DefaultIKEProposals()
	legacy := append(DefaultIKEProposals(), LegacyIKEProposal())
	tests := []struct {
		name        string
		offered     []wire.Proposal
		ours        []Proposal
		allowLegacy bool
		want        []wire.Transform // nil: no proposal chosen
		wantNum     uint8
	}{
		{"aead first offered wins", []wire.Proposal{prop(1, wire.ProtoIKE, gcm256, prf384, prf256, ecp256, x25519)}, ours, false,
			[]wire.Transform{gcm256, prf384, ecp256}, 1},
		{"initiator order beats ours", []wire.Proposal{
			prop(1, wire.ProtoIKE, cbc128, int256, prf256, ecp256),
			prop(2, wire.ProtoIKE, gcm256, prf256, x25519)}, ours, false,
			[]wire.Transform{cbc128, prf256, int256, ecp256}, 1},
		{"skip unacceptable proposal", []wire.Proposal{
			prop(1, wire.ProtoIKE, des3, intSHA1, prfMD5, modp1k),
			prop(2, wire.ProtoIKE, cbc256, int256, prf256, x25519)}, ours, false,
			[]wire.Transform{cbc256, prf256, int256, x25519}, 2},
		{"legacy refused without opt-in", []wire.Proposal{prop(1, wire.ProtoIKE, des3, intSHA1, prfMD5, modp1k)}, legacy, false, nil, 0},
		{"legacy accepted with opt-in", []wire.Proposal{prop(1, wire.ProtoIKE, des3, intSHA1, prfMD5, modp1k)}, legacy, true,
			[]wire.Transform{des3, prfMD5, intSHA1, modp1k}, 1},
		{"cbc without integrity refused", []wire.Proposal{prop(1, wire.ProtoIKE, cbc256, prf256, x25519)}, ours, false, nil, 0},
		{"wrong protocol ignored", []wire.Proposal{prop(1, wire.ProtoESP, gcm256, prf256, x25519)}, ours, false, nil, 0},
		{"missing KE refused", []wire.Proposal{prop(1, wire.ProtoIKE, gcm256, prf256)}, ours, false, nil, 0},
		{"unknown transform type refused", []wire.Proposal{prop(1, wire.ProtoIKE, gcm256, prf256, x25519, tr(wire.TransformADDKE1, 36, 0))}, ours, false, nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := selectProposal(tc.offered, tc.ours, wire.ProtoIKE, tc.allowLegacy, false)
			if tc.want == nil {
				if ok {
					t.Fatalf("chose %s, want none", describe(got))
				}
				return
			}
			if !ok || got.Number != tc.wantNum || describe(got) != describe(wire.Proposal{Transforms: tc.want}) {
				t.Fatalf("chose #%d %s (ok=%v), want #%d %s", got.Number, describe(got), ok, tc.wantNum, describe(wire.Proposal{Transforms: tc.want}))
			}
		})
	}
}

// TestSelectESPProposal covers ESN and the KE rule of IKE_AUTH.
func TestSelectESPProposal(t *testing.T) {
	ours := DefaultESPProposals()
	got, ok := selectProposal([]wire.Proposal{prop(1, wire.ProtoESP, gcm256, esnYes, esnNo)}, ours, wire.ProtoESP, false, true)
	if !ok || describe(got) != describe(wire.Proposal{Transforms: []wire.Transform{gcm256, esnYes}}) {
		t.Fatalf("got %s ok=%v", describe(got), ok)
	}
	// A KE transform in IKE_AUTH's child proposal is ignored...
	if _, ok := selectProposal([]wire.Proposal{prop(1, wire.ProtoESP, gcm256, x25519, esnNo)}, ours, wire.ProtoESP, false, true); !ok {
		t.Fatal("KE in IKE_AUTH child proposal should be ignored")
	}
	// ...but PFS in CREATE_CHILD_SA needs us to accept the group.
	if _, ok := selectProposal([]wire.Proposal{prop(1, wire.ProtoESP, gcm256, x25519, esnNo)}, ours, wire.ProtoESP, false, false); ok {
		t.Fatal("PFS group accepted although we list none")
	}
	// ESN absent from the offer means "no ESN" only if we accept that.
	if _, ok := selectProposal([]wire.Proposal{prop(1, wire.ProtoESP, gcm256)}, ours, wire.ProtoESP, false, true); !ok {
		t.Fatal("offer without ESN refused")
	}
}

func TestCheckChosenRejectsForeignTransforms(t *testing.T) {
	ours := DefaultIKEProposals()
	if _, err := checkChosen([]wire.Proposal{prop(1, wire.ProtoIKE, gcm256, prf256, x25519)}, ours, wire.ProtoIKE, false, false); err != nil {
		t.Fatal(err)
	}
	bad := [][]wire.Proposal{
		{prop(1, wire.ProtoIKE, des3, intSHA1, prfMD5, modp1k)},
		{prop(1, wire.ProtoIKE, gcm256, prf256, prf384, x25519)},
		{prop(1, wire.ProtoIKE, gcm256, prf256, x25519), prop(2, wire.ProtoIKE, gcm256, prf256, x25519)},
	}
	for i, b := range bad {
		if _, err := checkChosen(b, ours, wire.ProtoIKE, false, false); err == nil {
			t.Errorf("case %d accepted", i)
		}
	}
}

func TestConfigRefusesLegacyWithoutOptIn(t *testing.T) {
	c := Config{LocalID: FQDNIdentity("a"), PSK: []byte("k"), IKEProposals: []Proposal{LegacyIKEProposal()}}
	if _, err := c.validate(true); err == nil {
		t.Fatal("legacy proposal accepted without AllowLegacy")
	}
	c.AllowLegacy = true
	if _, err := c.validate(true); err != nil {
		t.Fatal(err)
	}
}
