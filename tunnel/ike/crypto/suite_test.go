package crypto

import (
	"errors"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

var (
	suiteGCM256 = Suite{Encr: wire.ENCR_AES_GCM_16, EncrKeyBits: 256, PRF: wire.PRF_HMAC_SHA2_256, KE: wire.KE_CURVE25519}
	suiteCBC128 = Suite{Encr: wire.ENCR_AES_CBC, EncrKeyBits: 128, PRF: wire.PRF_HMAC_SHA2_256, Integ: wire.AUTH_HMAC_SHA2_256_128, KE: wire.KE_MODP2048}
	suiteChaCha = Suite{Encr: wire.ENCR_CHACHA20_POLY1305, PRF: wire.PRF_HMAC_SHA2_512, KE: wire.KE_ECP256}
	suite3DES   = Suite{Encr: wire.ENCR_3DES, PRF: wire.PRF_HMAC_MD5, Integ: wire.AUTH_HMAC_MD5_96, KE: wire.KE_MODP1024}
)

// allSuites covers every ENCR, key size and integrity transform at least
// once.
func allSuites() []Suite {
	var out []Suite
	for _, bits := range []uint16{128, 192, 256} {
		for _, encr := range []uint16{wire.ENCR_AES_GCM_12, wire.ENCR_AES_GCM_16} {
			out = append(out, Suite{Encr: encr, EncrKeyBits: bits, PRF: wire.PRF_HMAC_SHA2_256})
		}
		for integ := range integSpecs {
			out = append(out, Suite{Encr: wire.ENCR_AES_CBC, EncrKeyBits: bits, PRF: wire.PRF_HMAC_SHA2_384, Integ: integ})
		}
	}
	return append(out, suiteChaCha, suite3DES,
		Suite{Encr: wire.ENCR_3DES, PRF: wire.PRF_HMAC_SHA1, Integ: wire.AUTH_HMAC_SHA1_96})
}

func TestSuiteValidate(t *testing.T) {
	for _, s := range allSuites() {
		if err := s.Validate(); err != nil {
			t.Errorf("%v: %v", s, err)
		}
	}
	bad := []struct {
		s    Suite
		want error
	}{
		{Suite{Encr: wire.ENCR_AES_GCM_16, EncrKeyBits: 256, PRF: wire.PRF_HMAC_SHA2_256, Integ: wire.AUTH_HMAC_SHA2_256_128}, ErrInvalidSuite},
		{Suite{Encr: wire.ENCR_AES_CBC, EncrKeyBits: 256, PRF: wire.PRF_HMAC_SHA2_256}, ErrUnsupported},
		{Suite{Encr: wire.ENCR_AES_CBC, PRF: wire.PRF_HMAC_SHA2_256, Integ: wire.AUTH_HMAC_SHA1_96}, ErrInvalidSuite},
		{Suite{Encr: wire.ENCR_AES_CBC, EncrKeyBits: 512, PRF: wire.PRF_HMAC_SHA2_256, Integ: wire.AUTH_HMAC_SHA1_96}, ErrInvalidSuite},
		{Suite{Encr: wire.ENCR_CHACHA20_POLY1305, EncrKeyBits: 128, PRF: wire.PRF_HMAC_SHA2_256}, ErrInvalidSuite},
		{Suite{Encr: wire.ENCR_AES_CTR, EncrKeyBits: 128, PRF: wire.PRF_HMAC_SHA2_256, Integ: wire.AUTH_HMAC_SHA1_96}, ErrUnsupported},
		{Suite{Encr: wire.ENCR_NULL, PRF: wire.PRF_HMAC_SHA2_256, Integ: wire.AUTH_HMAC_SHA1_96}, ErrUnsupported},
		{Suite{Encr: wire.ENCR_AES_GCM_16, EncrKeyBits: 128, PRF: 4}, ErrUnsupported},
		{Suite{Encr: wire.ENCR_AES_GCM_16, EncrKeyBits: 128, PRF: wire.PRF_HMAC_SHA2_256, KE: wire.KE_MLKEM512}, ErrUnsupported},
	}
	for _, c := range bad {
		if err := c.s.Validate(); !errors.Is(err, c.want) {
			t.Errorf("%v: got %v, want %v", c.s, err, c.want)
		}
	}
	chacha256 := Suite{Encr: wire.ENCR_CHACHA20_POLY1305, EncrKeyBits: 256, PRF: wire.PRF_HMAC_SHA2_256}
	if err := chacha256.Validate(); err != nil {
		t.Errorf("ChaCha with a redundant 256-bit Key Length: %v", err)
	}
}

func TestSuiteLegacy(t *testing.T) {
	modern := suiteGCM256
	if modern.Legacy() || suiteCBC128.Legacy() || suiteChaCha.Legacy() {
		t.Error("modern suite reported legacy")
	}
	cases := []Suite{
		{Encr: wire.ENCR_3DES, PRF: wire.PRF_HMAC_SHA2_256, Integ: wire.AUTH_HMAC_SHA2_256_128, KE: wire.KE_MODP2048},
		{Encr: wire.ENCR_AES_CBC, EncrKeyBits: 128, PRF: wire.PRF_HMAC_MD5, Integ: wire.AUTH_HMAC_SHA1_96, KE: wire.KE_MODP2048},
		{Encr: wire.ENCR_AES_CBC, EncrKeyBits: 128, PRF: wire.PRF_HMAC_SHA1, Integ: wire.AUTH_HMAC_MD5_96, KE: wire.KE_MODP2048},
		{Encr: wire.ENCR_AES_CBC, EncrKeyBits: 128, PRF: wire.PRF_HMAC_SHA1, Integ: wire.AUTH_HMAC_SHA1_96, KE: wire.KE_MODP1024},
		{Encr: wire.ENCR_AES_CBC, EncrKeyBits: 128, PRF: wire.PRF_HMAC_SHA1, Integ: wire.AUTH_HMAC_SHA1_96, KE: wire.KE_MODP1536},
	}
	for _, s := range cases {
		if !s.Legacy() {
			t.Errorf("%v not reported legacy", s)
		}
	}
}

func TestSuiteString(t *testing.T) {
	cases := map[Suite]string{
		suiteGCM256:                            "aes256gcm16-prfsha256-curve25519",
		suiteCBC128:                            "aes128-sha256-prfsha256-modp2048",
		suiteChaCha:                            "chacha20poly1305-prfsha512-ecp256",
		suite3DES:                              "3des-md5-prfmd5-modp1024",
		{Encr: 99, PRF: 98, Integ: 97, KE: 96}: "encr99-integ97-prf98-ke96",
	}
	for s, want := range cases {
		if got := s.String(); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
}

func TestKeyLengths(t *testing.T) {
	cases := []struct {
		s           Suite
		encr, integ int
	}{
		{suiteGCM256, 36, 0},
		{Suite{Encr: wire.ENCR_AES_GCM_16, EncrKeyBits: 128, PRF: wire.PRF_HMAC_SHA2_256}, 20, 0},
		{suiteCBC128, 16, 32},
		{suiteChaCha, 36, 0},
		{suite3DES, 24, 16},
		{Suite{Encr: wire.ENCR_AES_CBC, EncrKeyBits: 192, PRF: wire.PRF_HMAC_SHA1, Integ: wire.AUTH_HMAC_SHA2_512_256}, 24, 64},
	}
	for _, c := range cases {
		if c.s.EncrKeyLen() != c.encr || c.s.IntegKeyLen() != c.integ {
			t.Errorf("%v: key lengths %d/%d, want %d/%d", c.s, c.s.EncrKeyLen(), c.s.IntegKeyLen(), c.encr, c.integ)
		}
	}
}

func TestIsAEAD(t *testing.T) {
	for _, id := range []uint16{wire.ENCR_AES_GCM_8, wire.ENCR_AES_GCM_12, wire.ENCR_AES_GCM_16, wire.ENCR_CHACHA20_POLY1305} {
		if !IsAEAD(id) {
			t.Errorf("IsAEAD(%d) = false", id)
		}
	}
	for _, id := range []uint16{wire.ENCR_3DES, wire.ENCR_AES_CBC, wire.ENCR_AES_CTR, wire.ENCR_NULL} {
		if IsAEAD(id) {
			t.Errorf("IsAEAD(%d) = true", id)
		}
	}
}
