package crypto

import (
	"bytes"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

// RFC 4868 section 2.7.1 (PRF test cases, the same inputs as RFC 4231).
func TestPRFRFC4868(t *testing.T) {
	cases := []struct {
		key, data string
		sums      map[uint16]string
	}{
		{
			key:  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
			data: "4869205468657265", // "Hi There"
			sums: map[uint16]string{
				wire.PRF_HMAC_SHA2_256: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
				wire.PRF_HMAC_SHA2_384: "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
				wire.PRF_HMAC_SHA2_512: "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
			},
		},
		{
			key:  "4a656665",                                                 // "Jefe"
			data: "7768617420646f2079612077616e7420666f72206e6f7468696e673f", // "what do ya want for nothing?"
			sums: map[uint16]string{
				wire.PRF_HMAC_SHA2_256: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
				wire.PRF_HMAC_SHA2_384: "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
				wire.PRF_HMAC_SHA2_512: "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
			},
		},
	}
	for _, c := range cases {
		for id, want := range c.sums {
			p, err := NewPRF(id)
			if err != nil {
				t.Fatal(err)
			}
			got := p.Sum(unhex(t, c.key), unhex(t, c.data))
			if !bytes.Equal(got, unhex(t, want)) {
				t.Errorf("prf %d key %s: got %x, want %s", id, c.key, got, want)
			}
			if p.Size() != len(got) || p.KeyLen() != len(got) {
				t.Errorf("prf %d: Size %d KeyLen %d, output %d", id, p.Size(), p.KeyLen(), len(got))
			}
		}
	}
}

func TestNewPRFUnsupported(t *testing.T) {
	if _, err := NewPRF(4); err == nil { // PRF_AES128_XCBC
		t.Error("AES-XCBC PRF accepted")
	}
}

// prf+ is defined by its first blocks: T1 = prf(K, S|1), T2 = prf(K, T1|S|2).
func TestPRFPlusStructure(t *testing.T) {
	p, _ := NewPRF(wire.PRF_HMAC_SHA2_256)
	key, seed := []byte("key"), []byte("seed")
	t1 := p.Sum(key, append(append([]byte{}, seed...), 1))
	t2 := p.Sum(key, append(append(append([]byte{}, t1...), seed...), 2))
	out := PRFPlus(p, key, seed, 40)
	if !bytes.Equal(out, append(t1, t2[:8]...)) {
		t.Fatalf("prf+ = %x", out)
	}
	if len(PRFPlus(p, key, seed, 0)) != 0 {
		t.Error("prf+ of 0 bytes not empty")
	}
	if max := PRFPlus(p, key, seed, 255*32); len(max) != 255*32 {
		t.Errorf("prf+ max length %d", len(max))
	}
	defer func() {
		if recover() == nil {
			t.Error("prf+ beyond 255 blocks did not panic")
		}
	}()
	PRFPlus(p, key, seed, 255*32+1)
}

// prf+ with HMAC-SHA2-256, including output lengths that end mid-block.
func TestPRFPlusKnownAnswers(t *testing.T) {
	var f struct {
		Tests []struct{ Key, Seed, Expected string }
	}
	loadJSON(t, "prfplus_sha256.json", &f)
	p, _ := NewPRF(wire.PRF_HMAC_SHA2_256)
	for i, v := range f.Tests {
		want := unhex(t, v.Expected)
		if got := PRFPlus(p, unhex(t, v.Key), unhex(t, v.Seed), len(want)); !bytes.Equal(got, want) {
			t.Errorf("vector %d:\n got %x\nwant %x", i, got, want)
		}
	}
	if len(f.Tests) != 3 {
		t.Errorf("%d vectors", len(f.Tests))
	}
}

// HMAC-MD5 and HMAC-SHA1 PRFs: RFC 2202 test case 1.
func TestPRFRFC2202(t *testing.T) {
	cases := map[uint16][2]string{
		wire.PRF_HMAC_MD5:  {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "9294727a3638bb1c13f48ef8158bfc9d"},
		wire.PRF_HMAC_SHA1: {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "b617318655057264e28bc0b6fb378c8ef146be00"},
	}
	for id, c := range cases {
		p, _ := NewPRF(id)
		if got := p.Sum(unhex(t, c[0]), []byte("Hi There")); !bytes.Equal(got, unhex(t, c[1])) {
			t.Errorf("prf %d: %x", id, got)
		}
	}
}

// Integrity transforms are HMACs truncated to the ICV length (RFC 2403,
// 2404, 4868); the ICV covers aad | signed body. Expected values are the
// RFC 2202 and RFC 4231 "Hi There" HMACs, truncated.
func TestIntegrityTruncation(t *testing.T) {
	key20 := bytes.Repeat([]byte{0x0b}, 20)
	cases := map[uint16]struct {
		key  []byte
		want string
	}{
		wire.AUTH_HMAC_MD5_96:       {key20[:16], "9294727a3638bb1c13f48ef8"},
		wire.AUTH_HMAC_SHA1_96:      {key20, "b617318655057264e28bc0b6"},
		wire.AUTH_HMAC_SHA2_256_128: {key20, "b0344c61d8db38535ca8afceaf0bf12b"},
		wire.AUTH_HMAC_SHA2_384_192: {key20, "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec6"},
		wire.AUTH_HMAC_SHA2_512_256: {key20, "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"},
	}
	for id, c := range cases {
		block, _ := newBlock(wire.ENCR_AES_CBC, make([]byte, 16))
		cbc := newCBCCipher(block, integSpecs[id], c.key)
		if got := cbc.icv([]byte("Hi "), []byte("There")); !bytes.Equal(got, unhex(t, c.want)) {
			t.Errorf("integ %d: ICV %x, want %s", id, got, c.want)
		}
	}
}
