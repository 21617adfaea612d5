package crypto

import (
	"bytes"
	"crypto/rand"
	"errors"
	"sync"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

// testKeys derives IKE keys for s from fixed inputs.
func testKeys(t testing.TB, s Suite) IKEKeys {
	t.Helper()
	k, err := DeriveIKEKeys(s, []byte("nonce-initiator-"), []byte("nonce-responder-"), []byte("shared secret"), 0x1122334455667788, 0x99aabbccddeeff00)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func testCiphers(t testing.TB, s Suite) (iOut, iIn, rOut, rIn SKCipher) {
	t.Helper()
	k := testKeys(t, s)
	iOut, iIn, err := k.Ciphers(s, true)
	if err != nil {
		t.Fatal(err)
	}
	rOut, rIn, err = k.Ciphers(s, false)
	if err != nil {
		t.Fatal(err)
	}
	return iOut, iIn, rOut, rIn
}

func TestSKRoundTripAllSuites(t *testing.T) {
	aad := []byte("IKE header and SK generic header")
	for _, s := range allSuites() {
		iOut, iIn, rOut, rIn := testCiphers(t, s)
		for _, n := range []int{0, 1, 7, 8, 15, 16, 17, 100, 1500} {
			plain := bytes.Repeat([]byte{byte(n)}, n)
			checkRoundTrip(t, s, iOut, rIn, aad, plain)
			checkRoundTrip(t, s, rOut, iIn, aad, plain)
		}
	}
}

func checkRoundTrip(t *testing.T, s Suite, out, in SKCipher, aad, plain []byte) {
	t.Helper()
	prefix := []byte("prefix")
	body, err := out.Seal(append([]byte{}, prefix...), aad, plain, rand.Reader)
	if err != nil {
		t.Fatalf("%v: seal: %v", s, err)
	}
	if !bytes.HasPrefix(body, prefix) {
		t.Fatalf("%v: Seal did not append to dst", s)
	}
	body = body[len(prefix):]
	if len(body) != out.BodyLen(len(plain)) {
		t.Fatalf("%v: body %d bytes, BodyLen says %d", s, len(body), out.BodyLen(len(plain)))
	}
	got, err := in.Open(aad, body)
	if err != nil {
		t.Fatalf("%v: open %d bytes: %v", s, len(plain), err)
	}
	if !bytes.Equal(got, plain) {
		t.Fatalf("%v: round trip of %d bytes gave %d bytes", s, len(plain), len(got))
	}
	if n := len(plain); n > 4 && bytes.Contains(body, plain) {
		t.Fatalf("%v: plaintext visible in body", s)
	}
}

// The two directions use different keys: a message sealed by one side
// cannot be opened with that side's own inbound cipher.
func TestSKDirectionsDiffer(t *testing.T) {
	for _, s := range []Suite{suiteGCM256, suiteCBC128} {
		iOut, iIn, _, _ := testCiphers(t, s)
		body, _ := iOut.Seal(nil, nil, []byte("hello"), rand.Reader)
		if _, err := iIn.Open(nil, body); !errors.Is(err, ErrIntegrity) {
			t.Errorf("%v: own outbound message opened inbound: %v", s, err)
		}
	}
}

func TestSKTamper(t *testing.T) {
	aad := []byte("0123456789abcdef0123456789abcdef")
	plain := []byte("inner payloads: IDi, AUTH, SA, TSi, TSr")
	for _, s := range allSuites() {
		iOut, _, _, rIn := testCiphers(t, s)
		body, err := iOut.Seal(nil, aad, plain, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(body)*8; i += 7 {
			mod := append([]byte{}, body...)
			mod[i/8] ^= 1 << (i % 8)
			if _, err := rIn.Open(aad, mod); !errors.Is(err, ErrIntegrity) {
				t.Fatalf("%v: flipped body bit %d: %v", s, i, err)
			}
		}
		for i := range aad {
			mod := append([]byte{}, aad...)
			mod[i] ^= 0x80
			if _, err := rIn.Open(mod, body); !errors.Is(err, ErrIntegrity) {
				t.Fatalf("%v: flipped aad byte %d: %v", s, i, err)
			}
		}
		if _, err := rIn.Open(aad, body[:len(body)-1]); err == nil {
			t.Fatalf("%v: truncated body opened", s)
		}
	}
}

func TestSKShortBodies(t *testing.T) {
	for _, s := range allSuites() {
		_, _, _, rIn := testCiphers(t, s)
		for n := 0; n < 64; n++ {
			if _, err := rIn.Open(nil, make([]byte, n)); err == nil {
				t.Fatalf("%v: %d zero bytes opened", s, n)
			}
		}
	}
}

// A correctly authenticated message whose Pad Length points before the
// start of the plaintext is refused, not sliced out of bounds.
func TestSKBadPadLength(t *testing.T) {
	k := testKeys(t, suiteCBC128)
	c, err := NewSKCipher(suiteCBC128, k.SKei, k.SKai)
	if err != nil {
		t.Fatal(err)
	}
	cbc := c.(*cbcCipher)
	body := make([]byte, 16+32+cbc.icvLen)
	ct := body[16:48]
	ct[31] = 40 // pad length larger than the 32 bytes of plaintext
	cbc.cbc(cbc.enc, nil, body[:16], ct, ct)
	copy(body[48:], cbc.icv(nil, body[:48]))
	if _, err := c.Open(nil, body); !errors.Is(err, ErrMalformed) {
		t.Fatalf("CBC bad pad length: %v", err)
	}

	g := suiteGCM256
	k = testKeys(t, g)
	a, _ := NewSKCipher(g, k.SKei, nil)
	sealed, _ := a.Seal(nil, nil, []byte{1, 2, 3}, nil) // plaintext 01 02 03 00
	raw, err := a.(*aeadCipher).openRaw(nil, nil, sealed)
	if err != nil || !bytes.Equal(raw, []byte{1, 2, 3, 0}) {
		t.Fatalf("raw open = %x, %v", raw, err)
	}
	bad := a.(*aeadCipher)
	bad.next = 0
	forged, _ := bad.sealRaw(nil, nil, []byte{1, 2, 3, 9})
	if _, err := a.Open(nil, forged); !errors.Is(err, ErrMalformed) {
		t.Fatalf("AEAD bad pad length: %v", err)
	}
}

// Padding added by another implementation (any length that fits) is
// accepted and removed.
func TestSKForeignPadding(t *testing.T) {
	k := testKeys(t, suiteGCM256)
	c, _ := NewSKCipher(suiteGCM256, k.SKei, nil)
	a := c.(*aeadCipher)
	body, _ := a.sealRaw(nil, nil, []byte("data\xaa\xbb\xcc\x03"))
	got, err := c.Open(nil, body)
	if err != nil || string(got) != "data" {
		t.Fatalf("Open = %q, %v", got, err)
	}
}

func TestAEADExplicitIVIsCounter(t *testing.T) {
	k := testKeys(t, suiteGCM256)
	c, _ := NewSKCipher(suiteGCM256, k.SKei, nil)
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		body, _ := c.Seal(nil, nil, []byte("x"), nil)
		iv := string(body[:8])
		if seen[iv] {
			t.Fatalf("explicit IV repeated after %d messages", i)
		}
		seen[iv] = true
	}
	a := c.(*aeadCipher)
	a.next = ^uint64(0)
	if _, err := c.Seal(nil, nil, []byte("x"), nil); err != nil {
		t.Fatalf("last IV refused: %v", err)
	}
	if _, err := c.Seal(nil, nil, []byte("x"), nil); !errors.Is(err, ErrIVExhausted) {
		t.Fatalf("IV wrap allowed: %v", err)
	}
}

func TestCBCIVFromRand(t *testing.T) {
	k := testKeys(t, suiteCBC128)
	c, _ := NewSKCipher(suiteCBC128, k.SKei, k.SKai)
	iv := bytes.Repeat([]byte{0x5a}, 16)
	body, err := c.Seal(nil, nil, []byte("x"), bytes.NewReader(iv))
	if err != nil || !bytes.Equal(body[:16], iv) {
		t.Fatalf("IV = %x, %v", body[:16], err)
	}
	if _, err := c.Seal(nil, nil, []byte("x"), bytes.NewReader(nil)); err == nil {
		t.Fatal("Seal succeeded without randomness")
	}
}

// RFC 7634 appendix B: an INFORMATIONAL message protected with
// ChaCha20-Poly1305.
func TestRFC7634IKEv2Example(t *testing.T) {
	keySalt := unhex(t, `80 81 82 83 84 85 86 87 88 89 8a 8b 8c 8d 8e 8f
		90 91 92 93 94 95 96 97 98 99 9a 9b 9c 9d 9e 9f a0 a1 a2 a3`)
	aad := unhex(t, `c0 c1 c2 c3 c4 c5 c6 c7 d0 d1 d2 d3 d4 d5 d6 d7
		2e 20 25 00 00 00 00 09 00 00 00 45 29 00 00 29`)
	inner := unhex(t, `00 00 00 0c 00 00 40 01 00 00 00 0a`)
	want := unhex(t, `10 11 12 13 14 15 16 17
		61 03 94 70 1f 8d 01 7f 7c 12 92 48 89 6b 71 bf
		e2 52 36 ef d7 cd c6 70 66 90 63 15 b2`)
	s := Suite{Encr: wire.ENCR_CHACHA20_POLY1305, PRF: wire.PRF_HMAC_SHA2_256}
	c, err := NewSKCipher(s, keySalt, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.(*aeadCipher).next = 0x1011121314151617
	body, err := c.Seal(nil, aad, inner, nil)
	if err != nil || !bytes.Equal(body, want) {
		t.Fatalf("Seal = %x, %v\nwant %x", body, err, want)
	}
	if c.BodyLen(len(inner)) != 0x45-len(aad) {
		t.Fatalf("BodyLen %d does not fit the header length", c.BodyLen(len(inner)))
	}
	got, err := c.Open(aad, want)
	if err != nil || !bytes.Equal(got, inner) {
		t.Fatalf("Open = %x, %v", got, err)
	}
}

type aeadVector struct {
	TcID                               int
	Key, IV, AAD, Msg, CT, Tag, Result string
}

// Wycheproof AEAD vectors through our nonce layout: the first 4 bytes of
// the 12-byte nonce are the salt at the end of the key material, the last
// 8 the explicit IV at the start of the body.
func TestWycheproofAEAD(t *testing.T) {
	files := map[string]uint16{
		"wycheproof_aes_gcm.json":           wire.ENCR_AES_GCM_16,
		"wycheproof_chacha20_poly1305.json": wire.ENCR_CHACHA20_POLY1305,
	}
	for file, encr := range files {
		var f struct{ Tests []aeadVector }
		loadJSON(t, file, &f)
		ran := 0
		for _, v := range f.Tests {
			if v.Msg == "" {
				continue // SK plaintext always holds at least the Pad Length byte
			}
			key, nonce := unhex(t, v.Key), unhex(t, v.IV)
			c, err := newAEADCipher(encr, encrSpecs[encr], append(key, nonce[:4]...))
			if err != nil {
				t.Fatal(err)
			}
			body := concat(nonce[4:], unhex(t, v.CT), unhex(t, v.Tag))
			got, err := c.openRaw(nil, unhex(t, v.AAD), body)
			if v.Result == "valid" {
				if err != nil || !bytes.Equal(got, unhex(t, v.Msg)) {
					t.Errorf("%s tc %d: open = %x, %v", file, v.TcID, got, err)
				}
				c.next = binaryBE(nonce[4:])
				sealed, _ := c.sealRaw(nil, unhex(t, v.AAD), unhex(t, v.Msg))
				if !bytes.Equal(sealed, body) {
					t.Errorf("%s tc %d: seal = %x, want %x", file, v.TcID, sealed, body)
				}
			} else if err == nil {
				t.Errorf("%s tc %d: invalid vector opened", file, v.TcID)
			}
			ran++
		}
		if ran < 8 {
			t.Errorf("%s: only %d vectors ran", file, ran)
		}
	}
}

func binaryBE(b []byte) uint64 {
	var n uint64
	for _, x := range b {
		n = n<<8 | uint64(x)
	}
	return n
}

func TestNewSKCipherKeyLength(t *testing.T) {
	if _, err := NewSKCipher(suiteGCM256, make([]byte, 32), nil); !errors.Is(err, ErrInvalidSuite) {
		t.Errorf("GCM key without salt: %v", err)
	}
	if _, err := NewSKCipher(suiteCBC128, make([]byte, 16), make([]byte, 20)); !errors.Is(err, ErrInvalidSuite) {
		t.Errorf("short integrity key: %v", err)
	}
}

// Many goroutines sealing with one cipher never reuse an IV and every
// message opens.
func TestSKConcurrent(t *testing.T) {
	for _, s := range []Suite{suiteGCM256, suiteCBC128} {
		iOut, _, _, rIn := testCiphers(t, s)
		var mu sync.Mutex
		seen := map[string]bool{}
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 50; i++ {
					body, err := iOut.Seal(nil, []byte("aad"), []byte("payload"), rand.Reader)
					if err != nil {
						t.Error(err)
						return
					}
					if _, err := rIn.Open([]byte("aad"), body); err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					if seen[string(body[:8])] {
						t.Errorf("%v: IV reused", s)
					}
					seen[string(body[:8])] = true
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}
}

// GCM vectors laid out as IKE and ESP use them: key material is key | salt,
// the body starts with the 8-byte explicit IV and ends with the ICV.
func TestGCMKeySaltLayout(t *testing.T) {
	var f struct {
		Tests []struct {
			Name                        string
			ICV                         int
			Key, IV, AAD, Plain, Cipher string
		}
	}
	loadJSON(t, "gcm_ike_layout.json", &f)
	ids := map[int]uint16{12: wire.ENCR_AES_GCM_12, 16: wire.ENCR_AES_GCM_16}
	for _, v := range f.Tests {
		keySalt := unhex(t, v.Key)
		s := Suite{Encr: ids[v.ICV], EncrKeyBits: uint16(len(keySalt)-4) * 8, PRF: wire.PRF_HMAC_SHA2_256}
		c, err := NewSKCipher(s, keySalt, nil)
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		a := c.(*aeadCipher)
		iv := unhex(t, v.IV)
		a.next = binaryBE(iv)
		body, err := a.sealRaw(nil, unhex(t, v.AAD), unhex(t, v.Plain))
		if want := append(iv, unhex(t, v.Cipher)...); err != nil || !bytes.Equal(body, want) {
			t.Errorf("%s: body %x, want %x (%v)", v.Name, body, want, err)
		}
	}
	if len(f.Tests) < 10 {
		t.Errorf("only %d vectors", len(f.Tests))
	}
}

// The engine seals with dst = aad, so the message is built in one buffer:
// header | SK header | body. That must leave the header intact.
func TestSealAppendsToAAD(t *testing.T) {
	for _, s := range allSuites() {
		iOut, _, _, rIn := testCiphers(t, s)
		for _, extra := range []int{0, 4096} {
			hdr := make([]byte, 32, 32+extra)
			for i := range hdr {
				hdr[i] = byte(i)
			}
			msg, err := iOut.Seal(hdr, hdr, []byte("inner payloads"), rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 32 {
				if msg[i] != byte(i) {
					t.Fatalf("%v: header byte %d overwritten", s, i)
				}
			}
			if got, err := rIn.Open(msg[:32], msg[32:]); err != nil || string(got) != "inner payloads" {
				t.Fatalf("%v: %q, %v", s, got, err)
			}
		}
	}
}

// A nil rand falls back to crypto/rand everywhere randomness is taken.
func TestNilRandDefaults(t *testing.T) {
	iOut, _, _, rIn := testCiphers(t, suiteCBC128)
	body, err := iOut.Seal(nil, nil, []byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rIn.Open(nil, body); err != nil {
		t.Fatal(err)
	}
	if _, err := NewKeyExchange(wire.KE_MODP1024, nil); err != nil {
		t.Fatal(err)
	}
	testSigners(t)
	if _, err := Sign(wire.AuthDigitalSig, edKey, []byte("x"), nil, nil); err != nil {
		t.Fatal(err)
	}
}
