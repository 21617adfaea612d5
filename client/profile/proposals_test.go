package profile

import (
	"path/filepath"
	"strings"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

// TestProfileProposals: the [ike] proposal lists parse with the server's
// keywords, and a bad one is reported at its line, naming what to fix.
func TestProfileProposals(t *testing.T) {
	head := "[[peer]]\nhost = \"192.0.2.1\"\n[auth]\nmethod = \"psk\"\nidentity = \"r1.example.com\"\nsecrets_file = \"p.secrets\"\n[ike]\n"
	cases := []struct {
		name, ike string
		wantErr   []string // all in the message, after "p.toml:9:"
		ikeN      int
		espN      int
	}{
		{name: "none means defaults", ike: "dpd_interval = \"10s\"\n"},
		{name: "hybrid", ike: "dpd_retry = \"2s\"\nike_proposals = [\"aes256gcm16-prfsha384-x25519-ke1_mlkem768\", \"aes256-sha256-ecp256\"]\n" +
			"esp_proposals = [\"aes256gcm16\"]\n", ikeN: 2, espN: 1},
		{name: "bad keyword", ike: "dpd_retry = \"2s\"\nike_proposals = [\"aes256gcm16-prfsha384-x25591\"]\n",
			wantErr: []string{"ike.ike_proposals", `"x25591"`}},
		{name: "bad esp keyword", ike: "dpd_retry = \"2s\"\nesp_proposals = [\"aes256-shaa256\"]\n",
			wantErr: []string{"ike.esp_proposals", `"shaa256"`}},
		{name: "legacy without allow_legacy", ike: "dpd_retry = \"2s\"\nike_proposals = [\"3des-sha1-modp1024\"]\n",
			wantErr: []string{"legacy", "allow_legacy = true"}},
		{name: "legacy allowed", ike: "allow_legacy = true\nike_proposals = [\"3des-sha1-modp1024\"]\n", ikeN: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"p.toml": head + c.ike, "p.secrets": `psk = "k"`}, 0o600)
			path := filepath.Join(dir, "p.toml")
			p, err := Load(path)
			if c.wantErr != nil {
				if err == nil {
					t.Fatal("loaded; want an error")
				}
				if !strings.HasPrefix(err.Error(), path+":9: ") {
					t.Errorf("error %q does not start with %s:9:", err, path)
				}
				for _, w := range c.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not name %s", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(p.IKE.IKEProposalList()) != c.ikeN || len(p.IKE.ESPProposalList()) != c.espN {
				t.Fatalf("parsed %d IKE and %d ESP proposals, want %d and %d",
					len(p.IKE.IKEProposalList()), len(p.IKE.ESPProposalList()), c.ikeN, c.espN)
			}
		})
	}
}

// TestHybridProposalKeepsItsAdditionalKE: the hybrid example reaches the
// parsed proposal with ML-KEM-768 as ADDKE1 on top of X25519.
func TestHybridProposalKeepsItsAdditionalKE(t *testing.T) {
	p, err := ParseForTest("[[peer]]\nhost = \"192.0.2.1\"\n[auth]\nmethod = \"psk\"\nidentity = \"r1.example.com\"\n" +
		"[ike]\nike_proposals = [\"aes256gcm16-prfsha384-x25519-ke1_mlkem768\"]\n")
	if err != nil {
		t.Fatal(err)
	}
	got := p.IKE.IKEProposalList()
	if len(got) != 1 || len(got[0].KE) != 1 || got[0].KE[0] != wire.KE_CURVE25519 ||
		len(got[0].AddKE[0]) != 1 || got[0].AddKE[0][0] != wire.KE_MLKEM768 {
		t.Fatalf("proposals = %+v", got)
	}
}
