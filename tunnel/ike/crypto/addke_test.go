package crypto

import (
	"bytes"
	"encoding/binary"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

// TestDeriveAddKEKeys checks RFC 9370 2.2.2 step by step with the PRF and
// prf+ directly: SKEYSEED(n) = prf(SK_d(n-1), SK(n) | Ni | Nr), then the
// 2.14 expansion; and that the result depends on both SK_d and SK(n).
func TestDeriveAddKEKeys(t *testing.T) {
	s := Suite{Encr: wire.ENCR_AES_GCM_16, EncrKeyBits: 256, PRF: wire.PRF_HMAC_SHA2_384, KE: wire.KE_CURVE25519}
	p, _ := NewPRF(s.PRF)
	ni, nr := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	prev, err := DeriveIKEKeys(s, ni, nr, bytes.Repeat([]byte{3}, 32), 0x1111, 0x2222)
	if err != nil {
		t.Fatal(err)
	}
	shared := bytes.Repeat([]byte{4}, 32)
	got, err := DeriveAddKEKeys(p, s, prev, shared, ni, nr, 0x1111, 0x2222)
	if err != nil {
		t.Fatal(err)
	}
	seed := p.Sum(prev.SKd, append(append(append([]byte{}, shared...), ni...), nr...))
	var spis [16]byte
	binary.BigEndian.PutUint64(spis[:8], 0x1111)
	binary.BigEndian.PutUint64(spis[8:], 0x2222)
	km := PRFPlus(p, seed, append(append(append([]byte{}, ni...), nr...), spis[:]...), 3*48+2*36)
	if !bytes.Equal(got.SKd, km[:48]) || !bytes.Equal(got.SKei, km[48:84]) || !bytes.Equal(got.SKer, km[84:120]) ||
		!bytes.Equal(got.SKpi, km[120:168]) || !bytes.Equal(got.SKpr, km[168:216]) || len(got.SKai) != 0 {
		t.Fatal("keys do not follow RFC 9370 2.2.2")
	}
	other, _ := DeriveAddKEKeys(p, s, prev, bytes.Repeat([]byte{5}, 32), ni, nr, 0x1111, 0x2222)
	prev.SKd[0] ^= 1
	again, _ := DeriveAddKEKeys(p, s, prev, shared, ni, nr, 0x1111, 0x2222)
	if bytes.Equal(other.SKd, got.SKd) || bytes.Equal(again.SKd, got.SKd) {
		t.Fatal("keys do not depend on both the new secret and SK_d")
	}
	if _, err := DeriveAddKEKeys(p, Suite{Encr: 99, PRF: s.PRF}, prev, shared, ni, nr, 1, 2); err == nil {
		t.Fatal("invalid suite accepted")
	}
}

// TestIntAuthChain: each step is prf(SK_p, prev | A | P), so the chain
// changes with any byte of any message and with the order of messages.
func TestIntAuthChain(t *testing.T) {
	p, _ := NewPRF(wire.PRF_HMAC_SHA2_256)
	key := bytes.Repeat([]byte{7}, 32)
	a1, p1, a2, p2 := []byte("header1"), []byte("payload1"), []byte("header2"), []byte("payload2")
	c1 := IntAuth(p, key, nil, a1, p1)
	if !bytes.Equal(c1, p.Sum(key, []byte("header1payload1"))) {
		t.Fatal("first step is not prf(SK_p, A | P)")
	}
	c2 := IntAuth(p, key, c1, a2, p2)
	if !bytes.Equal(c2, p.Sum(key, append(append(append([]byte{}, c1...), a2...), p2...))) {
		t.Fatal("second step is not prf(SK_p, IntAuth1 | A | P)")
	}
	swapped := IntAuth(p, key, IntAuth(p, key, nil, a2, p2), a1, p1)
	if bytes.Equal(swapped, c2) {
		t.Fatal("order of messages does not matter")
	}
}

// TestDeriveRekeyedIKEKeysAddKE: with only SK(0) it is RFC 7296 2.18;
// with more, SKEYSEED = prf(SK_d, SK(0) | Ni | Nr | SK(1) | ...).
func TestDeriveRekeyedIKEKeysAddKE(t *testing.T) {
	s := Suite{Encr: wire.ENCR_AES_GCM_16, EncrKeyBits: 128, PRF: wire.PRF_HMAC_SHA2_256, KE: wire.KE_CURVE25519}
	p, _ := NewPRF(s.PRF)
	skd, ni, nr := bytes.Repeat([]byte{9}, 32), bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	g0, g1 := bytes.Repeat([]byte{3}, 32), bytes.Repeat([]byte{4}, 32)
	classic, _ := DeriveRekeyedIKEKeys(p, skd, s, g0, ni, nr, 5, 6)
	one, err := DeriveRekeyedIKEKeysAddKE(p, skd, s, [][]byte{g0}, ni, nr, 5, 6)
	if err != nil || !bytes.Equal(one.SKd, classic.SKd) {
		t.Fatal("without additional secrets the keys differ from RFC 7296 2.18")
	}
	two, _ := DeriveRekeyedIKEKeysAddKE(p, skd, s, [][]byte{g0, g1}, ni, nr, 5, 6)
	var spis [16]byte
	binary.BigEndian.PutUint64(spis[:8], 5)
	binary.BigEndian.PutUint64(spis[8:], 6)
	seed := p.Sum(skd, bytes.Join([][]byte{g0, ni, nr, g1}, nil))
	km := PRFPlus(p, seed, bytes.Join([][]byte{ni, nr, spis[:]}, nil), 32)
	if !bytes.Equal(two.SKd, km) {
		t.Fatal("SKEYSEED is not prf(SK_d, SK(0) | Ni | Nr | SK(1))")
	}
	if _, err := DeriveRekeyedIKEKeysAddKE(p, skd, s, nil, ni, nr, 5, 6); err == nil {
		t.Fatal("no secrets accepted")
	}
}
