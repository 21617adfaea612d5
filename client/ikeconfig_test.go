package client

import (
	"testing"
	"time"

	"flexvpn/tunnel/ike"
	"flexvpn/tunnel/ike/wire"
)

// TestIKEConfigCarriesProfileTuning: every [ike] knob of the profile
// reaches the engine, and identities are typed the way users write them.
func TestIKEConfigCarriesProfileTuning(t *testing.T) {
	p := loadProfile(t, "[gateway]\nidentity = \"gw.example.com\"\n"+
		"[ike]\nallow_legacy = true\nfragment_mtu = 1200\ndpd_interval = \"7s\"\ndpd_retry = \"2s\"\nmax_redirects = 3\n")
	cfg, err := IKEConfig(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.AllowLegacy || cfg.FragmentSize != 1200 || cfg.MaxRedirects != 3 {
		t.Errorf("legacy %v, fragment size %d, max redirects %d", cfg.AllowLegacy, cfg.FragmentSize, cfg.MaxRedirects)
	}
	if cfg.DPDInterval != 7*time.Second || cfg.DPDRetry != 2*time.Second {
		t.Errorf("DPD interval %v retry %v, want 7s and 2s", cfg.DPDInterval, cfg.DPDRetry)
	}
	if !cfg.LocalID.Equal(ike.FQDNIdentity("r1.example.com")) || !cfg.RemoteID.Equal(ike.FQDNIdentity("gw.example.com")) {
		t.Errorf("identities %s / %s", cfg.LocalID, cfg.RemoteID)
	}
}

// TestIKEConfigCarriesProposals: the profile's proposal lists are what the
// engine offers; without them the engine keeps its defaults (nil).
func TestIKEConfigCarriesProposals(t *testing.T) {
	p := loadProfile(t, "[ike]\nike_proposals = [\"aes256gcm16-prfsha384-x25519-ke1_mlkem768\"]\nesp_proposals = [\"aes128gcm16\", \"aes256-sha384\"]\n")
	cfg, err := IKEConfig(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.IKEProposals) != 1 || len(cfg.IKEProposals[0].AddKE[0]) != 1 || cfg.IKEProposals[0].AddKE[0][0] != wire.KE_MLKEM768 {
		t.Errorf("IKE proposals %+v, want the hybrid one", cfg.IKEProposals)
	}
	if len(cfg.ESPProposals) != 2 || cfg.ESPProposals[1].Encr[0].ID != wire.ENCR_AES_CBC {
		t.Errorf("ESP proposals %+v, want aes128gcm16 then aes256-sha384", cfg.ESPProposals)
	}
	cfg, err = IKEConfig(loadProfile(t, ""), nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.IKEProposals != nil || cfg.ESPProposals != nil {
		t.Errorf("a profile without proposals set %v / %v, want nil (engine defaults)", cfg.IKEProposals, cfg.ESPProposals)
	}
}
