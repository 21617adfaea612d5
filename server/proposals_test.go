package server

import (
	"strings"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

func TestParseProposal(t *testing.T) {
	tests := []struct {
		s      string
		proto  wire.ProtocolID
		legacy bool
		want   []wire.Transform
		err    string
	}{
		{s: "aes256gcm16-prfsha384-x25519", proto: wire.ProtoIKE, want: []wire.Transform{
			{Type: wire.TransformENCR, ID: wire.ENCR_AES_GCM_16, KeyLength: 256},
			{Type: wire.TransformPRF, ID: wire.PRF_HMAC_SHA2_384},
			{Type: wire.TransformKE, ID: wire.KE_CURVE25519}}},
		{s: "AES128-SHA256-ecp256", proto: wire.ProtoIKE, want: []wire.Transform{
			{Type: wire.TransformENCR, ID: wire.ENCR_AES_CBC, KeyLength: 128},
			{Type: wire.TransformINTEG, ID: wire.AUTH_HMAC_SHA2_256_128},
			{Type: wire.TransformKE, ID: wire.KE_ECP256},
			{Type: wire.TransformPRF, ID: wire.PRF_HMAC_SHA2_256}}},
		{s: "chacha20poly1305", proto: wire.ProtoESP, want: []wire.Transform{
			{Type: wire.TransformENCR, ID: wire.ENCR_CHACHA20_POLY1305},
			{Type: wire.TransformESN, ID: wire.ESN_NO}}},
		{s: "aes256-sha512-esn-modp3072", proto: wire.ProtoESP, want: []wire.Transform{
			{Type: wire.TransformENCR, ID: wire.ENCR_AES_CBC, KeyLength: 256},
			{Type: wire.TransformINTEG, ID: wire.AUTH_HMAC_SHA2_512_256},
			{Type: wire.TransformESN, ID: wire.ESN_YES},
			{Type: wire.TransformKE, ID: wire.KE_MODP3072}}},
		{s: "3des-sha1-modp1024", proto: wire.ProtoIKE, legacy: true, want: []wire.Transform{
			{Type: wire.TransformENCR, ID: wire.ENCR_3DES},
			{Type: wire.TransformINTEG, ID: wire.AUTH_HMAC_SHA1_96},
			{Type: wire.TransformKE, ID: wire.KE_MODP1024},
			{Type: wire.TransformPRF, ID: wire.PRF_HMAC_SHA1}}},
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
		p, err := ParseProposal(tt.s, tt.proto, 2, tt.legacy)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err = %v, want %q", tt.s, err, tt.err)
			}
			continue
		}
		if err != nil || p.Number != 2 || p.Protocol != tt.proto || len(p.Transforms) != len(tt.want) {
			t.Errorf("%s: %+v, %v", tt.s, p, err)
			continue
		}
		for i := range tt.want {
			if p.Transforms[i].Type != tt.want[i].Type || p.Transforms[i].ID != tt.want[i].ID || p.Transforms[i].KeyLength != tt.want[i].KeyLength {
				t.Errorf("%s: transform %d = %+v, want %+v", tt.s, i, p.Transforms[i], tt.want[i])
			}
		}
	}
}

func TestDefaultProposalsParse(t *testing.T) {
	for i, s := range DefaultIKEProposals {
		if _, err := ParseProposal(s, wire.ProtoIKE, i+1, false); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	for i, s := range DefaultESPProposals {
		if _, err := ParseProposal(s, wire.ProtoESP, i+1, false); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
}
