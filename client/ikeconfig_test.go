package client

import (
	"testing"
	"time"

	"flexvpn/tunnel/ike"
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
