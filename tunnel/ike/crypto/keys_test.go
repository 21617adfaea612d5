package crypto

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

type acvpVector struct {
	TcID                                 int
	NInit, NResp, SpiInit, SpiResp       string
	Gir, GirNew, SKeySeed, SKeySeedReKey string
	DerivedKeyingMaterial                string
	DerivedKeyingMaterialChild           string
	DerivedKeyingMaterialDh              string
}

func loadACVP(t *testing.T) []acvpVector {
	var f struct{ Tests []acvpVector }
	loadJSON(t, "acvp_ikev2_kdf.json", &f)
	if len(f.Tests) == 0 {
		t.Fatal("no vectors")
	}
	return f.Tests
}

func spi(t *testing.T, h string) uint64 { return binary.BigEndian.Uint64(unhex(t, h)) }

// acvpSuite has SHA-1 as PRF and key lengths adding up to the vector's
// 132-byte DKM: 3*20 (SK_d, SK_pi, SK_pr) + 2*16 (AES-128) + 2*20 (SHA1-96).
var acvpSuite = Suite{Encr: wire.ENCR_AES_CBC, EncrKeyBits: 128, PRF: wire.PRF_HMAC_SHA1, Integ: wire.AUTH_HMAC_SHA1_96}

func keysConcat(k IKEKeys) []byte {
	return concat(k.SKd, k.SKai, k.SKar, k.SKei, k.SKer, k.SKpi, k.SKpr)
}

func TestACVPIKEKeys(t *testing.T) {
	for _, v := range loadACVP(t) {
		k, err := DeriveIKEKeys(acvpSuite, unhex(t, v.NInit), unhex(t, v.NResp), unhex(t, v.Gir), spi(t, v.SpiInit), spi(t, v.SpiResp))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := keysConcat(k), unhex(t, v.DerivedKeyingMaterial); !bytes.Equal(got, want) {
			t.Errorf("tc %d: DKM\n got %x\nwant %x", v.TcID, got, want)
		}
		if len(k.SKd) != 20 || len(k.SKai) != 20 || len(k.SKei) != 16 || len(k.SKpr) != 20 {
			t.Errorf("tc %d: key lengths %d %d %d %d", v.TcID, len(k.SKd), len(k.SKai), len(k.SKei), len(k.SKpr))
		}
	}
}

func TestACVPChildKeys(t *testing.T) {
	p, _ := NewPRF(wire.PRF_HMAC_SHA1)
	for _, v := range loadACVP(t) {
		skd := unhex(t, v.DerivedKeyingMaterial)[:20]
		ni, nr := unhex(t, v.NInit), unhex(t, v.NResp)
		// 132 bytes = 2 * (46 + 20): any split works, the order matters.
		i2r, r2i := DeriveChildKeys(p, skd, nil, ni, nr, 46, 20)
		got := concat(i2r.Encr, i2r.Integ, r2i.Encr, r2i.Integ)
		if want := unhex(t, v.DerivedKeyingMaterialChild); !bytes.Equal(got, want) {
			t.Errorf("tc %d: child DKM\n got %x\nwant %x", v.TcID, got, want)
		}
		i2r, r2i = DeriveChildKeys(p, skd, unhex(t, v.GirNew), ni, nr, 46, 20)
		got = concat(i2r.Encr, i2r.Integ, r2i.Encr, r2i.Integ)
		if want := unhex(t, v.DerivedKeyingMaterialDh); !bytes.Equal(got, want) {
			t.Errorf("tc %d: child DKM with DH\n got %x\nwant %x", v.TcID, got, want)
		}
	}
}

// The rekeyed SA's keys must be the prf+ expansion of the vector's rekey
// SKEYSEED, which proves SKEYSEED = prf_old(SK_d_old, g^ir_new | Ni | Nr).
func TestACVPRekeyedIKEKeys(t *testing.T) {
	old, _ := NewPRF(wire.PRF_HMAC_SHA1)
	for _, v := range loadACVP(t) {
		skd := unhex(t, v.DerivedKeyingMaterial)[:20]
		ni, nr := unhex(t, v.NInit), unhex(t, v.NResp)
		newSuite := suiteGCM256 // a different PRF for the new SA
		k, err := DeriveRekeyedIKEKeys(old, skd, newSuite, unhex(t, v.GirNew), ni, nr, 1, 2)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := NewPRF(newSuite.PRF)
		seed := concat(ni, nr, []byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2})
		want := PRFPlus(p, unhex(t, v.SKeySeedReKey), seed, len(keysConcat(k)))
		if !bytes.Equal(keysConcat(k), want) {
			t.Errorf("tc %d: rekeyed keys differ from prf+(SKEYSEED(Rekey))", v.TcID)
		}
		if len(k.SKd) != 32 || len(k.SKei) != 36 || len(k.SKai) != 0 {
			t.Errorf("tc %d: new-suite key lengths %d %d %d", v.TcID, len(k.SKd), len(k.SKei), len(k.SKai))
		}
	}
}

func TestDeriveIKEKeysInvalidSuite(t *testing.T) {
	if _, err := DeriveIKEKeys(Suite{Encr: 99}, nil, nil, nil, 0, 0); err == nil {
		t.Error("invalid suite accepted")
	}
	p, _ := NewPRF(wire.PRF_HMAC_SHA1)
	if _, err := DeriveRekeyedIKEKeys(p, nil, Suite{Encr: 99}, nil, nil, nil, 0, 0); err == nil {
		t.Error("invalid suite accepted on rekey")
	}
}

// Keys are capped slices: appending to one must not overwrite the next.
func TestKeysDoNotAlias(t *testing.T) {
	k, err := DeriveIKEKeys(suiteCBC128, []byte("ni"), []byte("nr"), []byte("gir"), 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	before := append([]byte{}, k.SKai...)
	_ = append(k.SKd, 0xff)
	if !bytes.Equal(before, k.SKai) {
		t.Fatal("append to SK_d overwrote SK_ai")
	}
}

func TestWipe(t *testing.T) {
	for _, s := range []Suite{suiteGCM256, suiteCBC128} {
		k := testKeys(t, s)
		out, _, err := k.Ciphers(s, true)
		if err != nil {
			t.Fatal(err)
		}
		_, in, _ := testKeys(t, s).Ciphers(s, false)
		k.Wipe()
		if !bytes.Equal(keysConcat(k), make([]byte, len(keysConcat(k)))) {
			t.Fatalf("%v: keys not zero after Wipe", s)
		}
		body, _ := out.Seal(nil, nil, []byte("after wipe"), rand.Reader)
		if got, err := in.Open(nil, body); err != nil || string(got) != "after wipe" {
			t.Fatalf("%v: ciphers broken by Wipe: %v", s, err)
		}
	}
	p, _ := NewPRF(wire.PRF_HMAC_SHA2_256)
	i2r, _ := DeriveChildKeys(p, []byte("skd"), nil, []byte("ni"), []byte("nr"), 36, 0)
	i2r.Wipe()
	if !bytes.Equal(i2r.Encr, make([]byte, 36)) {
		t.Fatal("child keys not zero after Wipe")
	}
}
