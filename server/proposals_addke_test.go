package server

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"flexvpn/tunnel/ike"
	"flexvpn/tunnel/ike/wire"
)

// TestParseAdditionalKeyExchanges: strongSwan 6's ke1_..ke7_ keywords
// fill the ADDKE lists in order, "none" makes one optional.
func TestParseAdditionalKeyExchanges(t *testing.T) {
	gcm := []ike.Cipher{{ID: wire.ENCR_AES_GCM_16, KeyBits: 256}}
	prf := []uint16{wire.PRF_HMAC_SHA2_384}
	tests := []struct {
		s     string
		addke [7][]uint16
		ke    []uint16
	}{
		{"aes256gcm16-prfsha384-x25519-ke1_mlkem768", [7][]uint16{{wire.KE_MLKEM768}}, []uint16{wire.KE_CURVE25519}},
		{"aes256gcm16-prfsha384-ecp256-ke1_mlkem768-ke2_mlkem1024-ke2_none", [7][]uint16{{wire.KE_MLKEM768}, {wire.KE_MLKEM1024, 0}}, []uint16{wire.KE_ECP256}},
		{"AES256GCM16-PRFSHA384-X25519-KE7_ECP384-KE1_NONE-KE1_MLKEM1024", [7][]uint16{{0, wire.KE_MLKEM1024}, 6: {wire.KE_ECP384}}, []uint16{wire.KE_CURVE25519}},
		{"aes256gcm16-prfsha384-mlkem768", [7][]uint16{}, []uint16{wire.KE_MLKEM768}},
	}
	for _, tt := range tests {
		p, err := ParseProposal(tt.s, wire.ProtoIKE, false)
		want := ike.Proposal{Encr: gcm, PRF: prf, KE: tt.ke, AddKE: tt.addke}
		if err != nil || !reflect.DeepEqual(p, want) {
			t.Errorf("%s: got %+v, %v\nwant %+v", tt.s, p, err, want)
		}
	}
}

// TestParseAdditionalKeyExchangeErrors: each bad keyword gets a sentence
// that names it and the fix.
func TestParseAdditionalKeyExchangeErrors(t *testing.T) {
	tests := []struct {
		s      string
		proto  wire.ProtocolID
		legacy bool
		err    string
	}{
		{"aes256gcm16-prfsha384-x25519-ke8_mlkem768", wire.ProtoIKE, false, `unknown algorithm "ke8_mlkem768"`},
		{"aes256gcm16-prfsha384-x25519-ke0_mlkem768", wire.ProtoIKE, false, `unknown algorithm "ke0_mlkem768"`},
		{"aes256gcm16-prfsha384-x25519-ke1_", wire.ProtoIKE, false, `unknown key exchange "" in ke1_`},
		{"aes256gcm16-prfsha384-x25519-ke1_kyber", wire.ProtoIKE, false, `unknown key exchange "kyber"`},
		{"aes256gcm16-prfsha384-x25519-ke1_sha256", wire.ProtoIKE, false, `unknown key exchange "sha256"`},
		{"aes256gcm16-prfsha384-x25519-ke1_mlkem512", wire.ProtoIKE, false, "ke1_mlkem512 is not implemented"},
		{"aes256gcm16-prfsha384-mlkem512", wire.ProtoIKE, false, "mlkem512 is not implemented"},
		{"aes256gcm16-prfsha384-x25519-ke1_modp1024", wire.ProtoIKE, false, "legacy algorithms (ke1_modp1024)"},
		{"aes256gcm16-prfsha384-mlkem768-ke1_mlkem1024", wire.ProtoIKE, false, "ML-KEM as the main key exchange"},
		{"aes256gcm16-ke1_mlkem768", wire.ProtoESP, false, "only IKE proposals"},
		{"aes256gcm16-prfsha384-ke1_mlkem768", wire.ProtoIKE, false, "no key exchange group"},
	}
	for _, tt := range tests {
		_, err := ParseProposal(tt.s, tt.proto, tt.legacy)
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%s: err = %v, want %q", tt.s, err, tt.err)
		}
	}
	if _, err := ParseProposal("aes256gcm16-prfsha384-x25519-ke1_modp1024", wire.ProtoIKE, true); err != nil {
		t.Errorf("legacy ADDKE group with legacy = true: %v", err)
	}
}

// TestProposalKeywordErrorsHaveLines: the config loader reports a bad
// ke keyword at its file and line.
func TestProposalKeywordErrorsHaveLines(t *testing.T) {
	src := "[proposals]\n\nike = [\"aes256gcm16-prfsha384-x25519-ke1_kyber\"]\n"
	_, err := Parse(filepath.Join(t.TempDir(), "server.toml"), []byte(src))
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), `server.toml:3: [proposals] ike: "aes256gcm16-prfsha384-x25519-ke1_kyber" unknown key exchange "kyber"`) {
		t.Fatalf("err = %v", err)
	}
}

// TestDefaultHybridFirst: the server's first default IKE proposal is the
// hybrid one, the rest stay classic.
func TestDefaultHybridFirst(t *testing.T) {
	first, err := ParseProposal(DefaultIKEProposals[0], wire.ProtoIKE, false)
	if err != nil || !reflect.DeepEqual(first.AddKE[0], []uint16{wire.KE_MLKEM768}) {
		t.Fatalf("%+v %v", first, err)
	}
	for _, s := range DefaultIKEProposals[1:] {
		if strings.Contains(s, "ke1_") {
			t.Errorf("%s: only the first default is hybrid", s)
		}
	}
}

// FuzzParseProposal: any keyword string parses or fails with an error,
// never panics; what parses has a cipher, and an IKE result a KE group.
func FuzzParseProposal(f *testing.F) {
	for _, s := range append(append([]string{}, DefaultIKEProposals...), "ke1_", "ke7_none", "aes256gcm16-prfsha384-x25519-ke3_mlkem1024", "-", "") {
		f.Add(s, true)
	}
	f.Add("aes256-sha256", false)
	f.Fuzz(func(t *testing.T, s string, ikeProto bool) {
		proto := wire.ProtoESP
		if ikeProto {
			proto = wire.ProtoIKE
		}
		p, err := ParseProposal(s, proto, true)
		if err != nil {
			return
		}
		if len(p.Encr) == 0 || (ikeProto && len(p.KE) == 0) {
			t.Fatalf("%q parsed to an incomplete proposal %+v", s, p)
		}
	})
}
