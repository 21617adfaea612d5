package netns

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"testing"

	"golang.org/x/crypto/chacha20poly1305"
)

// keyLog is charon's format; the ASCII column of the last line looks
// like hex on purpose.
const keyLog = `08:15:39 10[IKE] <vpn|1> Sk_ar secret => 2 bytes @ 0x0
08:15:39 10[IKE] <vpn|1>    0: 01 02                                            ..
08:15:39 10[IKE] <vpn|1> Sk_d secret => 4 bytes @ 0x5623ca236f30
08:15:39 10[IKE] <vpn|1>    0: D0 D1 D2 D3                                      ....
08:15:39 10[IKE] <vpn|1> Sk_ai secret => 32 bytes @ 0x5623ca236f30
08:15:39 10[IKE] <vpn|1>    0: 94 2D 59 64 FA CB 80 49 8C 9B 29 FB 23 B5 6C 80  .-Yd...I..).#.l.
08:15:39 10[IKE] <vpn|1>   16: 56 28 B0 93 EA CE 1C 35 19 8B 5C B0 41 7F 37 0B  V(.....5..\.A.7.
08:15:39 10[IKE] <vpn|1> Sk_ei secret => 20 bytes @ 0x5623ca236f70
08:15:39 10[IKE] <vpn|1>    0: 41 55 D2 D8 B6 40 AD E9 42 3A B5 E7 8F F6 90 13  AU...@..B:......
08:15:39 10[IKE] <vpn|1>   16: AB CD EF 01                                      AB CD
08:15:39 10[IKE] <vpn|1> Sk_er secret => 20 bytes @ 0x5623ca236f80
08:15:39 10[IKE] <vpn|1>    0: FF 06 11 EE 44 AC BE 41 DD C3 19 BE 95 62 85 DE  ....D..A.....b..
08:15:39 10[IKE] <vpn|1>   16: 01 02 03 04                                      ....
08:15:40 11[IKE] <vpn|2> Sk_d secret => 1 bytes @ 0x1
08:15:40 11[IKE] <vpn|2>    0: 0D                                               .
08:15:40 11[IKE] <vpn|2> Sk_ei secret => 16 bytes @ 0x1
08:15:40 11[IKE] <vpn|2>    0: 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F  ................
08:15:40 11[IKE] <vpn|2> Sk_ai secret => 32 bytes @ 0x2
08:15:40 11[IKE] <vpn|2>    0: 10 11 12 13 14 15 16 17 18 19 1A 1B 1C 1D 1E 1F  ................
08:15:40 11[IKE] <vpn|2>   16: 20 21 22 23 24 25 26 27 28 29 2A 2B 2C 2D 2E 2F   !"#$%&'()*+,-./
`

func TestParseIKEKeys(t *testing.T) {
	sets := ParseIKEKeys(keyLog)
	if len(sets) != 2 {
		t.Fatalf("got %d key sets, want 2", len(sets))
	}
	// The Sk_ar before the first Sk_d belongs to no set.
	if sets[0].AR != nil || len(sets[0].AI) != 32 || sets[0].D[3] != 0xd3 ||
		len(sets[0].EI) != 20 || sets[0].EI[16] != 0xab || sets[0].ER[19] != 4 {
		t.Errorf("set 0 = %x", sets[0])
	}
	if len(sets[1].EI) != 16 || len(sets[1].AI) != 32 || sets[1].AI[31] != 0x2f || sets[1].D[0] != 0x0d {
		t.Errorf("set 1 = %x", sets[1])
	}
}

// testInner is one 8-byte Notify payload, the chain every test seals.
var testInner = []byte{0, 0, 0, 8, 0, 0, 0x40, 0x00}

// buildSK builds an IKE message from the initiator with one SK payload
// holding testInner (first type 41) plus padLen bytes of padding. The
// header lengths are final before seal runs, since they are its AAD;
// seal returns IV, ciphertext and ICV, ivLen and icvLen bytes of which
// are not ciphertext.
func buildSK(padLen, ivLen, icvLen int, seal func(aad, plain []byte) []byte) []byte {
	plain := append(append([]byte{}, testInner...), make([]byte, padLen)...)
	plain = append(plain, byte(padLen))
	m := make([]byte, 28, 128)
	m[16], m[17], m[18], m[19] = 46, 0x20, 37, 0x08
	m = append(m, 41, 0, 0, 0) // SK header, first inner payload N
	body := ivLen + len(plain) + icvLen
	binary.BigEndian.PutUint16(m[30:], uint16(4+body))
	binary.BigEndian.PutUint32(m[24:], uint32(len(m)+body))
	return append(m, seal(m, plain)...)
}

// aeadSeal seals like RFC 5282 / RFC 7634: key is the cipher key plus a
// 4-byte salt, the nonce is salt || 8-byte IV.
func aeadSeal(aead cipher.AEAD, salt []byte) func(aad, plain []byte) []byte {
	iv := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	return func(aad, plain []byte) []byte {
		nonce := append(append([]byte{}, salt...), iv...)
		return append(append([]byte{}, iv...), aead.Seal(nil, nonce, plain, aad)...)
	}
}

func TestDecryptIKEAEAD(t *testing.T) {
	gcmKey := bytes.Repeat([]byte{7}, 20)
	block, _ := aes.NewCipher(gcmKey[:16])
	gcm, _ := cipher.NewGCM(block)
	msg := buildSK(3, 8, 16, aeadSeal(gcm, gcmKey[16:]))
	wrong := IKEKeys{EI: bytes.Repeat([]byte{9}, 20)}
	d, err := DecryptIKE(msg, IKECipher{Encr: "AES_GCM_16", KeyLen: 128}, []IKEKeys{wrong, {EI: gcmKey}})
	if err != nil || !bytes.Equal(d.Inner, testInner) || d.NextPayload != 41 {
		t.Fatalf("GCM: %x, %v", d.Inner, err)
	}
	if _, err := DecryptIKE(msg, IKECipher{Encr: "AES_GCM_16"}, []IKEKeys{wrong}); !errors.Is(err, ErrNoKeys) {
		t.Errorf("wrong key: err = %v, want ErrNoKeys", err)
	}
	chachaKey := bytes.Repeat([]byte{6}, 36)
	chacha, _ := chacha20poly1305.New(chachaKey[:32])
	msg = buildSK(0, 8, 16, aeadSeal(chacha, chachaKey[32:]))
	d, err = DecryptIKE(msg, IKECipher{Encr: "CHACHA20_POLY1305", KeyLen: 256}, []IKEKeys{{EI: chachaKey}})
	if err != nil || !bytes.Equal(d.Inner, testInner) {
		t.Fatalf("ChaCha20-Poly1305: %x, %v", d.Inner, err)
	}
}

func TestDecryptIKECBC(t *testing.T) {
	ek, ak := bytes.Repeat([]byte{3}, 16), bytes.Repeat([]byte{5}, 32)
	msg := buildSK(7, 16, 16, func(aad, plain []byte) []byte {
		block, _ := aes.NewCipher(ek)
		iv := bytes.Repeat([]byte{0xaa}, 16)
		body := append(iv, make([]byte, len(plain))...)
		cipher.NewCBCEncrypter(block, iv).CryptBlocks(body[16:], plain)
		mac := hmac.New(sha256.New, ak)
		mac.Write(aad)
		mac.Write(body)
		return append(body, mac.Sum(nil)[:16]...)
	})
	c := IKECipher{Encr: "AES_CBC", KeyLen: 128, Integ: "HMAC_SHA2_256_128"}
	d, err := DecryptIKE(msg, c, []IKEKeys{{EI: ek, AI: ak}})
	if err != nil || !bytes.Equal(d.Inner, testInner) {
		t.Fatalf("CBC: %x, %v", d.Inner, err)
	}
	msg[len(msg)-1] ^= 1
	if _, err := DecryptIKE(msg, c, []IKEKeys{{EI: ek, AI: ak}}); err == nil {
		t.Error("CBC accepted a corrupted ICV")
	}
	types, err := InnerPayloadTypes(d.NextPayload, d.Inner)
	if err != nil || len(types) != 1 || types[0] != 41 {
		t.Errorf("InnerPayloadTypes = %v, %v", types, err)
	}
	if _, err := InnerPayloadTypes(41, testInner[:6]); err == nil {
		t.Error("InnerPayloadTypes accepted a truncated chain")
	}
}

func FuzzDecryptIKE(f *testing.F) {
	f.Add(make([]byte, 40))
	keys := []IKEKeys{{EI: make([]byte, 20), ER: make([]byte, 20), AI: make([]byte, 32), AR: make([]byte, 32)}}
	f.Fuzz(func(t *testing.T, msg []byte) {
		_, _ = DecryptIKE(msg, IKECipher{Encr: "AES_GCM_16"}, keys)
		_, _ = DecryptIKE(msg, IKECipher{Encr: "AES_CBC", Integ: "HMAC_SHA2_256_128"}, keys[:1])
		if len(msg) > 0 {
			_, _ = InnerPayloadTypes(msg[0], msg[1:])
		}
	})
}
