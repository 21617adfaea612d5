package esp

import (
	"errors"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

func TestConfigRejected(t *testing.T) {
	ok := suites[0].config(0x1000, false)
	cbc := suites[3].config(0x1000, false)
	cases := []struct {
		name string
		edit func(c *Config)
		base Config
		want error
	}{
		{"reserved SPI 0", func(c *Config) { c.SPI = 0 }, ok, ErrConfig},
		{"reserved SPI 255", func(c *Config) { c.SPI = 255 }, ok, ErrConfig},
		{"unknown encr", func(c *Config) { c.Encr = 3 }, ok, ErrUnsupported},
		{"GCM-8 not offered", func(c *Config) { c.Encr = 18 }, ok, ErrUnsupported},
		{"AEAD with integrity", func(c *Config) { c.Integ = wire.AUTH_HMAC_SHA2_256_128 }, ok, ErrConfig},
		{"GCM key without salt", func(c *Config) { c.EncrKey = c.EncrKey[:16] }, ok, ErrConfig},
		{"GCM 192-bit", func(c *Config) { c.EncrKey = make([]byte, 24+4) }, ok, ErrConfig},
		{"key length attribute mismatch", func(c *Config) { c.EncrKeyBits = 256 }, ok, ErrConfig},
		{"chacha 128-bit", func(c *Config) { c.Encr = wire.ENCR_CHACHA20_POLY1305 }, ok, ErrConfig},
		{"CBC without integrity", func(c *Config) { c.Integ = wire.AUTH_NONE }, cbc, ErrUnsupported},
		{"CBC with MD5", func(c *Config) { c.Integ = 1 }, cbc, ErrUnsupported},
		{"CBC short MAC key", func(c *Config) { c.IntegKey = c.IntegKey[:16] }, cbc, ErrConfig},
		{"CBC odd key", func(c *Config) { c.EncrKey = c.EncrKey[:15] }, cbc, ErrConfig},
	}
	for _, c := range cases {
		cfg := c.base
		c.edit(&cfg)
		if _, err := NewOutbound(cfg); !errors.Is(err, c.want) {
			t.Errorf("%s: NewOutbound err %v, want %v", c.name, err, c.want)
		}
		if _, err := NewInbound(cfg); !errors.Is(err, c.want) {
			t.Errorf("%s: NewInbound err %v, want %v", c.name, err, c.want)
		}
	}
}

func TestSizes(t *testing.T) {
	for _, s := range suites {
		out, _ := s.pair(t, false)
		if out.Headroom() > MaxHeadroom || out.Tailroom() > MaxTailroom {
			t.Errorf("%s: room %d/%d above package maxima", s.name, out.Headroom(), out.Tailroom())
		}
		for _, mtu := range []int{1280, 1400, 1472} {
			n := out.PayloadMTU(mtu)
			if n+out.Overhead(n) > mtu || (n+1)+out.Overhead(n+1) <= mtu {
				t.Errorf("%s: PayloadMTU(%d) = %d is not the largest fit", s.name, mtu, n)
			}
		}
	}
	if out, _ := suites[0].pair(t, false); out.PayloadMTU(10) != 0 {
		t.Errorf("PayloadMTU of a tiny path = %d", out.PayloadMTU(10))
	}
}

func TestPeekSPI(t *testing.T) {
	cases := []struct {
		pkt  []byte
		spi  uint32
		isOK bool
	}{
		{nil, 0, false},
		{[]byte{0, 0, 0x10, 0, 0, 0, 0}, 0, false},             // too short
		{[]byte{0, 0, 0, 0, 0x21, 0x22, 0x23, 0x24}, 0, false}, // non-ESP marker: IKE
		{[]byte{0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1}, 0xdeadbeef, true},
	}
	for _, c := range cases {
		if spi, ok := PeekSPI(c.pkt); spi != c.spi || ok != c.isOK {
			t.Errorf("PeekSPI(%x) = %#x %v", c.pkt, spi, ok)
		}
	}
}

func TestTransformNames(t *testing.T) {
	want := map[string]string{
		"aes128gcm16": "aes128gcm16", "aes256gcm16": "aes256gcm16", "chacha20poly1305": "chacha20poly1305",
		"aes128cbc-sha256": "aes128-sha256", "aes256cbc-sha384": "aes256-sha384",
		"aes256cbc-sha512": "aes256-sha512", "aes128cbc-sha1": "aes128-sha1",
	}
	for _, s := range suites {
		out, in := s.pair(t, false)
		if out.Transform() != want[s.name] || in.Transform() != want[s.name] {
			t.Errorf("%s: Transform() = %q / %q", s.name, out.Transform(), in.Transform())
		}
		esnOut, _ := s.pair(t, true)
		if esnOut.Transform() != want[s.name]+"-esn" {
			t.Errorf("%s: with ESN %q", s.name, esnOut.Transform())
		}
	}
}
