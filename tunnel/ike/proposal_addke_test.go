package ike

import (
	"errors"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

// TestSelectAddKE is the responder's ADDKE rule as a table: the mode
// decides whether ADDKE transforms are negotiated, tolerated only as
// NONE, or refused as unknown (a peer that predates RFC 9370).
func TestSelectAddKE(t *testing.T) {
	x25519 := []uint16{wire.KE_CURVE25519}
	mlkem := []uint16{wire.KE_MLKEM768}
	hy := hybrid(wire.KE_CURVE25519, mlkem)
	hyOpt := hybrid(wire.KE_CURVE25519, []uint16{wire.KE_MLKEM768, 0})
	classic := hybrid(wire.KE_CURVE25519)
	tests := []struct {
		name    string
		offer   []Proposal
		ours    []Proposal
		mode    addKEMode
		ok      bool
		number  uint8
		addke1  uint16
		present bool // an ADDKE1 transform is in the answer
	}{
		{"hybrid both", []Proposal{hy}, []Proposal{hy}, addKENegotiate, true, 1, wire.KE_MLKEM768, true},
		{"hybrid offer, classic ours", []Proposal{hy}, []Proposal{classic}, addKENegotiate, false, 0, 0, false},
		{"optional offer, classic ours", []Proposal{hyOpt}, []Proposal{classic}, addKENegotiate, true, 1, 0, false},
		{"optional both, initiator prefers ML-KEM", []Proposal{hyOpt}, []Proposal{hybrid(wire.KE_CURVE25519, []uint16{0, wire.KE_MLKEM768})}, addKENegotiate, true, 1, wire.KE_MLKEM768, true},
		{"optional both, initiator prefers none", []Proposal{hybrid(wire.KE_CURVE25519, []uint16{0, wire.KE_MLKEM768})}, []Proposal{hyOpt}, addKENegotiate, true, 1, 0, true},
		{"classic offer, hybrid ours", []Proposal{classic}, []Proposal{hy}, addKENegotiate, false, 0, 0, false},
		{"classic offer, optional ours", []Proposal{classic}, []Proposal{hyOpt}, addKENegotiate, true, 1, 0, false},
		{"second proposal classic", []Proposal{hy, classic}, []Proposal{classic}, addKENegotiate, true, 2, 0, false},
		{"none only: hybrid skipped", []Proposal{hy, classic}, []Proposal{hy, classic}, addKENoneOnly, true, 2, 0, false},
		{"none only: optional taken without", []Proposal{hyOpt}, []Proposal{hy}, addKENoneOnly, true, 1, 0, false},
		{"unknown: even optional refused", []Proposal{hyOpt, classic}, []Proposal{classic}, addKEUnknown, true, 2, 0, false},
		{"unknown: hybrid only", []Proposal{hy}, []Proposal{hy}, addKEUnknown, false, 0, 0, false},
		{"other ADDKE type", []Proposal{hybrid(wire.KE_CURVE25519, nil, x25519)}, []Proposal{hybrid(wire.KE_CURVE25519, nil, x25519)}, addKENegotiate, true, 1, 0, false},
	}
	for _, tt := range tests {
		got, ok := selectIKEProposal(toWire(tt.offer, wire.ProtoIKE, nil, true), tt.ours, false, tt.mode)
		if ok != tt.ok {
			t.Errorf("%s: ok %v", tt.name, ok)
			continue
		}
		if !ok {
			continue
		}
		id, _ := transformID(got, wire.TransformADDKE1)
		present := false
		for _, tr := range got.Transforms {
			present = present || tr.Type == wire.TransformADDKE1
		}
		if got.Number != tt.number || id != tt.addke1 || present != tt.present {
			t.Errorf("%s: chose %d %s", tt.name, got.Number, describe(got))
		}
	}
}

// TestChildInIKEAuthIgnoresAddKE: like KE, additional key exchanges in
// the Child SA proposal of IKE_AUTH do not apply and do not make the
// proposal unacceptable; in CREATE_CHILD_SA a mandatory one does.
func TestChildInIKEAuthIgnoresAddKE(t *testing.T) {
	esp := DefaultESPProposals()[0]
	esp.KE = []uint16{wire.KE_CURVE25519}
	esp.AddKE[0] = []uint16{wire.KE_MLKEM768}
	offer := toWire([]Proposal{esp}, wire.ProtoESP, []byte{1, 2, 3, 4}, true)
	got, ok := selectProposal(offer, DefaultESPProposals(), wire.ProtoESP, false, true)
	if !ok {
		t.Fatal("IKE_AUTH child proposal with ADDKE refused")
	}
	for _, tr := range got.Transforms {
		if tr.Type == wire.TransformKE || isAddKE(tr.Type) {
			t.Fatalf("chose a key exchange for IKE_AUTH: %s", describe(got))
		}
	}
	ours := DefaultESPProposals()
	ours[0].KE = []uint16{wire.KE_CURVE25519}
	if _, ok := selectProposal(offer, ours, wire.ProtoESP, false, false); ok {
		t.Fatal("CREATE_CHILD_SA proposal with a mandatory ADDKE accepted without IKE_FOLLOWUP_KE")
	}
}

// TestChosenAddKEOrder: the additional exchanges run in ADDKE order,
// NONE skipped.
func TestChosenAddKEOrder(t *testing.T) {
	p := toWire([]Proposal{hybrid(wire.KE_ECP256, []uint16{0}, []uint16{wire.KE_MLKEM1024}, nil, []uint16{wire.KE_MLKEM768})}, wire.ProtoIKE, nil, true)[0]
	got := chosenAddKE(p)
	if len(got) != 2 || got[0] != wire.KE_MLKEM1024 || got[1] != wire.KE_MLKEM768 {
		t.Fatalf("%v", got)
	}
}

// TestAddKEConfigRules: ML-KEM as main KE stands alone, ADDKE methods
// must be implemented, ESP proposals carry none.
func TestAddKEConfigRules(t *testing.T) {
	bad := []func(c *Config){
		func(c *Config) { c.IKEProposals = []Proposal{hybrid(wire.KE_MLKEM768, []uint16{wire.KE_MLKEM1024})} },
		func(c *Config) { c.IKEProposals = []Proposal{hybrid(wire.KE_CURVE25519, []uint16{wire.KE_MLKEM512})} },
		func(c *Config) {
			p := DefaultESPProposals()
			p[0].AddKE[0] = []uint16{wire.KE_MLKEM768}
			c.ESPProposals = p
		},
	}
	for i, f := range bad {
		c := pskClient()
		f(&c)
		if _, err := c.validate(true); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("case %d: %v", i, err)
		}
	}
	good := pskClient()
	good.IKEProposals = []Proposal{hybrid(wire.KE_MLKEM768), hybrid(wire.KE_CURVE25519, []uint16{0, wire.KE_MLKEM1024})}
	if _, err := good.validate(true); err != nil {
		t.Fatal(err)
	}
}

// TestMLKEMAsSoleKE: ML-KEM-768 alone in IKE_SA_INIT's KE payload (the
// responder encapsulates) works without IKE_INTERMEDIATE, and so do an
// IKE SA rekey and a Child SA rekey with PFS, which use it again.
func TestMLKEMAsSoleKE(t *testing.T) {
	p := []Proposal{hybrid(wire.KE_MLKEM768)}
	c, s := pskClient(), pskServer()
	c.IKEProposals, s.IKEProposals = p, p
	c.PFSOnRekey = true
	tb := newTestbed(t, s)
	sa, err := tb.connect(t, c)
	if err != nil {
		t.Fatal(err)
	}
	sameIKEKeys(t, sa, serverSA(t, tb), 0)
	// Rekeys encapsulate on the responder side too.
	child := tb.cev.wait(t, EventChildUp).Child
	if err := sa.RekeyIKE(); err != nil {
		t.Fatal(err)
	}
	tb.cev.wait(t, EventIKERekeyed)
	tb.sev.wait(t, EventIKERekeyed)
	sameIKEKeys(t, sa, serverSA(t, tb), 0)
	if err := sa.RekeyChild(child.InSPI); err != nil {
		t.Fatal(err)
	}
	pairChildren(t, tb.cev.wait(t, EventChildRekeyed).Child, tb.sev.wait(t, EventChildRekeyed).Child)
}
