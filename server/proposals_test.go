package server

import (
	"context"
	"errors"
	"net/netip"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

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

// TestDefaultProposalsServeEveryClient: a responder with the server's
// default IKE proposals (hybrid first) runs the ML-KEM exchange with a
// client that offers it, and serves a classic client and one that
// predates RFC 9370 (no INTERMEDIATE_EXCHANGE_SUPPORTED) with a classic
// IKE SA, in memory.
func TestDefaultProposalsServeEveryClient(t *testing.T) {
	var ours []ike.Proposal
	for _, s := range DefaultIKEProposals {
		p, err := ParseProposal(s, wire.ProtoIKE, false)
		if err != nil {
			t.Fatal(err)
		}
		ours = append(ours, p)
	}
	hybrid, err := ParseProposal("aes256gcm16-prfsha384-x25519-ke1_mlkem768", wire.ProtoIKE, false)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		proposals []ike.Proposal
		old       bool
		want      int // additional key exchanges expected
	}{
		{"hybrid client", []ike.Proposal{hybrid}, false, 1},
		{"classic client", ike.DefaultIKEProposals(), false, 0},
		{"pre-RFC 9370 client", ike.DefaultIKEProposals(), true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			psk := []byte("a shared secret for the test")
			srv := ike.Config{LocalID: ike.FQDNIdentity("vpn.example.com"), PSK: psk, IKEProposals: ours}
			cl := ike.Config{LocalID: ike.FQDNIdentity("client.example.com"), PSK: psk,
				IKEProposals: tt.proposals, NoIntermediate: tt.old}
			sa := connectInMemory(t, srv, cl)
			if got := sa.AdditionalKeyExchanges(); len(got) != tt.want {
				t.Fatalf("additional key exchanges %v, want %d", got, tt.want)
			}
		})
	}
}

func connectInMemory(t *testing.T, srv, cl ike.Config) *ike.SA {
	t.Helper()
	c, s := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	pipe := ike.NewPipe()
	ce, err := ike.NewEndpoint(ike.EndpointConfig{Transport: pipe.Transport(), Local: c})
	if err != nil {
		t.Fatal(err)
	}
	se, err := ike.NewEndpoint(ike.EndpointConfig{Transport: pipe.Transport(), Local: s, Responder: &srv})
	if err != nil {
		t.Fatal(err)
	}
	pipe.Attach(c, ce)
	pipe.Attach(s, se)
	t.Cleanup(func() { ce.Close(); se.Close(); pipe.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sa, err := ce.Initiate(ctx, cl, netip.AddrPortFrom(s, ike.PortIKE))
	if err != nil {
		t.Fatal(err)
	}
	if err := sa.WaitUp(ctx); err != nil {
		t.Fatal(err)
	}
	return sa
}
