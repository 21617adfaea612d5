package ike

import (
	"reflect"
	"strings"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

// TestParseProposalMatchesDefaults: the keyword form of the engine's
// default proposals parses to exactly those proposals, so admins can
// write the defaults down and extend them.
func TestParseProposalMatchesDefaults(t *testing.T) {
	defs := DefaultIKEProposals()
	for i, s := range []string{
		"aes256gcm16-chacha20poly1305-aes128gcm16-prfsha256-prfsha384-prfsha512-x25519-ecp256-ecp384-modp2048",
		"aes256-aes128-sha256-sha384-sha512-prfsha256-prfsha384-prfsha512-x25519-ecp256-ecp384-modp2048",
	} {
		p, err := ParseProposal(s, wire.ProtoIKE, false)
		if err != nil || !reflect.DeepEqual(p, defs[i]) {
			t.Errorf("%s:\n got %+v %v\nwant %+v", s, p, err, defs[i])
		}
	}
	p, err := ParseProposal("aes256gcm16-prfsha384-x25519-ke1_mlkem768-ke2_none-ke2_mlkem1024", wire.ProtoIKE, false)
	want := hybrid(wire.KE_CURVE25519, []uint16{wire.KE_MLKEM768}, []uint16{0, wire.KE_MLKEM1024})
	if err != nil || !reflect.DeepEqual(p, want) {
		t.Errorf("hybrid: got %+v %v", p, err)
	}
	c := pskClient()
	c.IKEProposals = []Proposal{p}
	if _, err := c.validate(true); err != nil {
		t.Errorf("a parsed hybrid proposal fails config validation: %v", err)
	}
}

// FuzzParseProposal: any string parses or fails, never panics, and what
// parses passes the engine's own config checks.
func FuzzParseProposal(f *testing.F) {
	for _, s := range []string{"aes256gcm16-prfsha384-x25519-ke1_mlkem768", "aes256-sha256-modp2048-ke7_none", "ke1_", "-", "mlkem1024-aes128gcm16-prfsha256"} {
		f.Add(s, true)
	}
	f.Add("aes256gcm16-esn", false)
	f.Fuzz(func(t *testing.T, s string, ikeProto bool) {
		proto := wire.ProtoESP
		if ikeProto {
			proto = wire.ProtoIKE
		}
		p, err := ParseProposal(s, proto, true)
		if err != nil {
			if strings.TrimSpace(err.Error()) == "" {
				t.Fatal("empty error")
			}
			return
		}
		c := pskClient()
		c.AllowLegacy = true
		if ikeProto {
			c.IKEProposals = []Proposal{p}
		} else {
			c.ESPProposals = []Proposal{p}
		}
		if _, err := c.validate(true); err != nil {
			t.Fatalf("%q parsed but the engine refuses it: %v", s, err)
		}
	})
}
