package esp

import (
	"bytes"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

// suite names a transform combination and its key sizes for tests.
type suite struct {
	name     string
	encr     uint16
	encrKey  int // bytes, including the AEAD salt
	integ    uint16
	integKey int
}

var suites = []suite{
	{"aes128gcm16", wire.ENCR_AES_GCM_16, 16 + 4, wire.AUTH_NONE, 0},
	{"aes256gcm16", wire.ENCR_AES_GCM_16, 32 + 4, wire.AUTH_NONE, 0},
	{"chacha20poly1305", wire.ENCR_CHACHA20_POLY1305, 32 + 4, wire.AUTH_NONE, 0},
	{"aes128cbc-sha256", wire.ENCR_AES_CBC, 16, wire.AUTH_HMAC_SHA2_256_128, 32},
	{"aes256cbc-sha384", wire.ENCR_AES_CBC, 32, wire.AUTH_HMAC_SHA2_384_192, 48},
	{"aes256cbc-sha512", wire.ENCR_AES_CBC, 32, wire.AUTH_HMAC_SHA2_512_256, 64},
	{"aes128cbc-sha1", wire.ENCR_AES_CBC, 16, wire.AUTH_HMAC_SHA1_96, 20},
}

// pattern returns n deterministic bytes that differ per seed.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*7)
	}
	return b
}

func (s suite) config(spi uint32, esn bool) Config {
	return Config{
		SPI: spi, Encr: s.encr, Integ: s.integ, ESN: esn,
		EncrKey: pattern(s.encrKey, 1), IntegKey: pattern(s.integKey, 2),
	}
}

// pair builds an outbound SA and the matching inbound SA.
func (s suite) pair(t testing.TB, esn bool) (*Outbound, *Inbound) {
	t.Helper()
	return s.pairWith(t, s.config(0x1000, esn))
}

func (s suite) pairWith(t testing.TB, cfg Config) (*Outbound, *Inbound) {
	t.Helper()
	out, err := NewOutbound(cfg)
	if err != nil {
		t.Fatalf("NewOutbound: %v", err)
	}
	in, err := NewInbound(cfg)
	if err != nil {
		t.Fatalf("NewInbound: %v", err)
	}
	t.Cleanup(func() { out.Close(); in.Close() })
	return out, in
}

// sealCopy seals a copy of inner in a fresh buffer with exactly the room
// the SA asks for and returns the ESP packet.
func sealCopy(t testing.TB, out *Outbound, inner []byte) []byte {
	t.Helper()
	pkt, err := trySeal(out, inner)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	return pkt
}

func trySeal(out *Outbound, inner []byte) ([]byte, error) {
	buf := make([]byte, out.Headroom()+len(inner), out.Headroom()+len(inner)+out.Tailroom())
	copy(buf[out.Headroom():], inner)
	s, e, err := out.Seal(buf, out.Headroom(), len(buf), NextHeaderIPv4)
	if err != nil {
		return nil, err
	}
	return buf[s:e], nil
}

func mustOpen(t testing.TB, in *Inbound, pkt []byte, want []byte) {
	t.Helper()
	got, nh, err := in.Open(pkt)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if nh != NextHeaderIPv4 || !bytes.Equal(got, want) {
		t.Fatalf("Open = %x (nh %d), want %x (nh 4)", got, nh, want)
	}
}
