package profile

import (
	"flexvpn/tunnel/ike"
	"flexvpn/tunnel/ike/wire"
)

// The [ike] proposal lists use the server's keyword syntax (see
// ike.ParseProposal), so one vocabulary serves both ends. They are parsed
// here, at Load, so that a typo is reported at its line before any
// connection is tried.

// IKEProposalList returns the parsed ike_proposals (empty: the engine's
// defaults).
func (i IKE) IKEProposalList() []ike.Proposal { return i.ikeProps }

// ESPProposalList returns the parsed esp_proposals (empty: the engine's
// defaults).
func (i IKE) ESPProposalList() []ike.Proposal { return i.espProps }

func (v *validator) checkProposals(i *IKE) {
	i.ikeProps = v.proposals("ike_proposals", i.IKEProposals, wire.ProtoIKE, i.AllowLegacy)
	i.espProps = v.proposals("esp_proposals", i.ESPProposals, wire.ProtoESP, i.AllowLegacy)
}

func (v *validator) proposals(name string, in []string, proto wire.ProtocolID, legacy bool) []ike.Proposal {
	key := []any{"ike", name}
	var out []ike.Proposal
	for _, s := range in {
		p, err := ike.ParseProposal(s, proto, legacy)
		if err == nil {
			out = append(out, p)
			continue
		}
		// The engine's legacy message names the server's setting; a
		// profile's switch is ike.allow_legacy.
		if _, lerr := ike.ParseProposal(s, proto, true); !legacy && lerr == nil {
			v.fail(key, "ike.%s %q uses legacy algorithms; set allow_legacy = true in [ike] only to talk to an old headend", name, s)
			continue
		}
		v.fail(key, "ike.%s %q %v", name, s, err)
	}
	return out
}
