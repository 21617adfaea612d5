package datapath

import (
	"net/netip"
	"testing"

	"flexvpn/platform/tunif/tunfake"
	"flexvpn/tunnel/esp"
)

func TestInnerMTU(t *testing.T) {
	tests := []struct {
		name string
		path int
		v6   bool
		o    Overhead
		want int
	}{
		// 1500 - 20 IP - 8 UDP - 8 ESP - 8 IV - 16 ICV = 1440 (4-aligned) - 2 trailer
		{"gcm v4", 1500, false, OverheadAESGCM, 1438},
		{"gcm v6", 1500, true, OverheadAESGCM, 1418},
		// 1500 - 20 - 8 - 8 - 16 IV - 16 ICV = 1432 -> 1424 (16-aligned) - 2
		{"cbc-sha256 v4", 1500, false, OverheadAESCBCSHA256, 1422},
		{"cbc-sha512 v4", 1500, false, OverheadAESCBCSHA512, 1406},
		{"default path", 0, false, OverheadChaCha20, 1438},
		{"tiny path", 60, false, OverheadAESCBCSHA512, 0},
	}
	for _, tt := range tests {
		if got := InnerMTU(tt.path, tt.v6, tt.o); got != tt.want {
			t.Errorf("%s: InnerMTU = %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestInnerMTUMatchesESP checks our overhead table against what the esp
// package computes for real SAs, and that a packet of exactly InnerMTU
// bytes seals to a datagram that fits the path.
func TestInnerMTUMatchesESP(t *testing.T) {
	cases := []struct {
		cfg esp.Config
		o   Overhead
	}{
		{gcmConfig(0x1001, 1), OverheadAESGCM},
		{esp.Config{SPI: 0x1002, Encr: encrChaCha20, EncrKey: keyBytes(36, 2)}, OverheadChaCha20},
		{cbcConfig(0x1003, 3), OverheadAESCBCSHA256},
		{esp.Config{SPI: 0x1004, Encr: encrAESCBC, EncrKey: keyBytes(32, 4), Integ: authSHA512, IntegKey: keyBytes(64, 5)}, OverheadAESCBCSHA512},
	}
	for _, c := range cases {
		out, _ := saPair(t, c.cfg)
		mtu := InnerMTU(1500, false, c.o)
		if got := out.PayloadMTU(1500 - ipv4HeaderLen - udpHeaderLen); got != mtu {
			t.Errorf("encr %d integ %d: esp says %d, we say %d", c.cfg.Encr, c.cfg.Integ, got, mtu)
		}
		if outer := sealedSize(t, out, mtu); outer > 1500 {
			t.Errorf("encr %d: %d-byte inner packet makes a %d-byte outer packet", c.cfg.Encr, mtu, outer)
		}
		if outer := sealedSize(t, out, mtu+1); outer <= 1500 {
			t.Errorf("encr %d: InnerMTU %d is not the largest: %d bytes fit", c.cfg.Encr, mtu, mtu+1)
		}
	}
}

// sealedSize is the outer IPv4 packet size of an n-byte inner packet.
func sealedSize(t *testing.T, out *esp.Outbound, n int) int {
	t.Helper()
	buf := make([]byte, bufSize)
	s, e, err := out.Seal(buf, headroom, headroom+n, nextHeaderIPv4)
	if err != nil {
		t.Fatal(err)
	}
	return e - s + ipv4HeaderLen + udpHeaderLen
}

func TestMaxMSS(t *testing.T) {
	if got := maxMSS(1438, false); got != 1398 {
		t.Errorf("v4 MSS = %d", got)
	}
	if got := maxMSS(1438, true); got != 1378 {
		t.Errorf("v6 MSS = %d", got)
	}
}

// TestDeviceInnerMTUFollowsSAs: before any SA the Device assumes the
// costliest transform; afterwards the smallest MTU among its outbound SAs.
func TestDeviceInnerMTUFollowsSAs(t *testing.T) {
	d, _ := newTestDevice(t, tunfake.Config{}, Config{PathMTU: 1400})
	worst := InnerMTU(1400, false, OverheadAESCBCSHA512)
	if got := d.InnerMTU(); got != worst {
		t.Fatalf("InnerMTU without SAs = %d, want %d", got, worst)
	}
	gcm, _ := saPair(t, gcmConfig(0x8001, 1))
	cbc, _ := saPair(t, cbcConfig(0x8002, 2))
	all := []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
	split := []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}
	must(t, d.SetOutbound(all, gcm, d.LocalAddr()))
	if got, want := d.InnerMTU(), InnerMTU(1400, false, OverheadAESGCM); got != want {
		t.Errorf("InnerMTU with AES-GCM = %d, want %d", got, want)
	}
	must(t, d.SetOutbound(split, cbc, d.LocalAddr()))
	if got, want := d.InnerMTU(), InnerMTU(1400, false, OverheadAESCBCSHA256); got != want {
		t.Errorf("InnerMTU with AES-GCM and AES-CBC = %d, want the CBC figure %d", got, want)
	}
	// A rekey that replaces the CBC route with GCM lifts the limit again.
	must(t, d.SetOutbound(split, gcm, d.LocalAddr()))
	if got, want := d.InnerMTU(), InnerMTU(1400, false, OverheadAESGCM); got != want {
		t.Errorf("InnerMTU after replacing AES-CBC with AES-GCM = %d, want %d", got, want)
	}
	must(t, d.SetOutbound(split, cbc, d.LocalAddr()))
	d.RemoveOutbound(split)
	d.RemoveOutbound(all)
	if got := d.InnerMTU(); got != worst {
		t.Errorf("InnerMTU after removing every SA = %d, want %d", got, worst)
	}
}
