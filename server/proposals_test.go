package server

import (
	"reflect"
	"strings"
	"testing"

	"flexvpn/tunnel/ike"
	"flexvpn/tunnel/ike/wire"
)

func TestParseProposal(t *testing.T) {
	tests := []struct {
		s      string
		proto  wire.ProtocolID
		legacy bool
		want   ike.Proposal
		err    string
	}{
		{s: "aes256gcm16-prfsha384-x25519", proto: wire.ProtoIKE, want: ike.Proposal{
			Encr: []ike.Cipher{{ID: wire.ENCR_AES_GCM_16, KeyBits: 256}},
			PRF:  []uint16{wire.PRF_HMAC_SHA2_384}, KE: []uint16{wire.KE_CURVE25519}}},
		{s: "AES128-SHA256-sha512-ecp256-modp2048", proto: wire.ProtoIKE, want: ike.Proposal{
			Encr:  []ike.Cipher{{ID: wire.ENCR_AES_CBC, KeyBits: 128}},
			Integ: []uint16{wire.AUTH_HMAC_SHA2_256_128, wire.AUTH_HMAC_SHA2_512_256},
			PRF:   []uint16{wire.PRF_HMAC_SHA2_256, wire.PRF_HMAC_SHA2_512},
			KE:    []uint16{wire.KE_ECP256, wire.KE_MODP2048}}},
		{s: "chacha20poly1305-aes128gcm16", proto: wire.ProtoESP, want: ike.Proposal{
			Encr: []ike.Cipher{{ID: wire.ENCR_CHACHA20_POLY1305}, {ID: wire.ENCR_AES_GCM_16, KeyBits: 128}}}},
		{s: "aes256-sha512-esn-modp3072", proto: wire.ProtoESP, want: ike.Proposal{
			Encr:  []ike.Cipher{{ID: wire.ENCR_AES_CBC, KeyBits: 256}},
			Integ: []uint16{wire.AUTH_HMAC_SHA2_512_256}, ESN: []uint16{wire.ESN_YES}, KE: []uint16{wire.KE_MODP3072}}},
		{s: "3des-sha1-modp1024", proto: wire.ProtoIKE, legacy: true, want: ike.Proposal{
			Encr: []ike.Cipher{{ID: wire.ENCR_3DES}}, Integ: []uint16{wire.AUTH_HMAC_SHA1_96},
			KE: []uint16{wire.KE_MODP1024}, PRF: []uint16{wire.PRF_HMAC_SHA1}}},
		{s: "aes256-sha1-modp1024", proto: wire.ProtoIKE, err: "legacy algorithms (sha1, modp1024); set legacy = true"},
		{s: "aes256-sha256-x25519-blowfish", proto: wire.ProtoIKE, err: `unknown algorithm "blowfish"`},
		{s: "aes256gcm16-aes256-sha256-prfsha256-x25519", proto: wire.ProtoIKE, err: "mixes AEAD"},
		{s: "sha256-x25519", proto: wire.ProtoIKE, err: "no cipher"},
		{s: "aes256-x25519", proto: wire.ProtoIKE, err: "no integrity"},
		{s: "aes256gcm16-sha256-prfsha256-x25519", proto: wire.ProtoIKE, err: "AEAD needs none"},
		{s: "aes256gcm16-x25519", proto: wire.ProtoIKE, err: "no PRF"},
		{s: "aes256gcm16-prfsha256", proto: wire.ProtoIKE, err: "no key exchange"},
		{s: "aes256gcm16-prfsha256-x25519-esn", proto: wire.ProtoIKE, err: "IKE proposals have none"},
		{s: "aes256gcm16-prfsha256", proto: wire.ProtoESP, err: "ESP proposals have none"},
	}
	for _, tt := range tests {
		p, err := ParseProposal(tt.s, tt.proto, tt.legacy)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err = %v, want %q", tt.s, err, tt.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(p, tt.want) {
			t.Errorf("%s: got %+v, %v\nwant %+v", tt.s, p, err, tt.want)
		}
	}
}

func TestDefaultProposalsParse(t *testing.T) {
	for _, s := range DefaultIKEProposals {
		if _, err := ParseProposal(s, wire.ProtoIKE, false); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	for _, s := range DefaultESPProposals {
		if _, err := ParseProposal(s, wire.ProtoESP, false); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
}
