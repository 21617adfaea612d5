package esp

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"encoding/binary"
	"fmt"
	"hash"
	"testing"

	"golang.org/x/crypto/chacha20poly1305"

	"flexvpn/tunnel/ike/wire"
)

// TestSealLayoutIndependently decrypts Seal's output with the standard
// library alone, following the RFCs rather than our code: nonce = salt ||
// IV with IV = sequence number (RFC 4106 3.1), AAD = SPI || [seq-hi ||]
// seq-lo, CBC ICV over header || IV || ciphertext [|| seq-hi], and the
// RFC 4303 2.4 trailer.
func TestSealLayoutIndependently(t *testing.T) {
	for _, s := range suites {
		for _, esn := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/esn=%v", s.name, esn), func(t *testing.T) {
				cfg := s.config(0x4242, esn)
				out, err := NewOutbound(cfg)
				if err != nil {
					t.Fatal(err)
				}
				start := uint64(0x1_fffffffe)
				if !esn {
					start = 0xffffffc0 // 40 packets end just below 2^32-1
				}
				out.seq.Store(start - 1)
				for n := range 40 {
					inner := pattern(n, byte(n))
					pkt := sealCopy(t, out, inner)
					seq := start + uint64(n)
					plain := independentOpen(t, s, cfg, pkt, seq)
					checkTrailer(t, plain, inner, s.encr == wire.ENCR_AES_CBC)
				}
			})
		}
	}
}

func independentOpen(t *testing.T, s suite, cfg Config, pkt []byte, seq uint64) []byte {
	t.Helper()
	if got := binary.BigEndian.Uint32(pkt[4:]); got != uint32(seq) {
		t.Fatalf("wire seq %#x, want %#x", got, uint32(seq))
	}
	var hi [4]byte
	binary.BigEndian.PutUint32(hi[:], uint32(seq>>32))
	if s.encr == wire.ENCR_AES_CBC {
		return independentCBC(t, s, cfg, pkt, hi[:])
	}
	key, salt := cfg.EncrKey[:len(cfg.EncrKey)-4], cfg.EncrKey[len(cfg.EncrKey)-4:]
	var aead cipher.AEAD
	if s.encr == wire.ENCR_CHACHA20_POLY1305 {
		aead, _ = chacha20poly1305.New(key)
	} else {
		b, _ := aes.NewCipher(key)
		aead, _ = cipher.NewGCM(b)
	}
	if iv := binary.BigEndian.Uint64(pkt[8:16]); iv != seq {
		t.Fatalf("IV %#x, want the sequence number %#x", iv, seq)
	}
	aad := pkt[:8]
	if cfg.ESN {
		aad = append(append(append([]byte{}, pkt[:4]...), hi[:]...), pkt[4:8]...)
	}
	plain, err := aead.Open(nil, append(bytes.Clone(salt), pkt[8:16]...), pkt[16:], aad)
	if err != nil {
		t.Fatalf("independent AEAD open: %v", err)
	}
	return plain
}

func independentCBC(t *testing.T, s suite, cfg Config, pkt, hi []byte) []byte {
	t.Helper()
	newHash, _, icv, _ := integSpec(s.integ)
	mac := hmac.New(func() hash.Hash { return newHash() }, cfg.IntegKey)
	body := pkt[:len(pkt)-icv]
	mac.Write(body)
	if cfg.ESN {
		mac.Write(hi)
	}
	if want := mac.Sum(nil)[:icv]; !bytes.Equal(pkt[len(body):], want) {
		t.Fatalf("ICV %x, want %x", pkt[len(body):], want)
	}
	b, _ := aes.NewCipher(cfg.EncrKey)
	plain := bytes.Clone(body[24:])
	cipher.NewCBCDecrypter(b, body[8:24]).CryptBlocks(plain, plain)
	return plain
}

// checkTrailer expects inner || 1, 2, ..., pad || pad || next header with
// the smallest padding that aligns to 4 (AEAD) or 16 (CBC) bytes.
func checkTrailer(t *testing.T, plain, inner []byte, cbc bool) {
	t.Helper()
	align := 4
	if cbc {
		align = 16
	}
	pad := (align - (len(inner)+2)%align) % align
	want := append(bytes.Clone(inner), make([]byte, pad+2)...)
	for i := range pad {
		want[len(inner)+i] = byte(i + 1)
	}
	want[len(want)-2], want[len(want)-1] = byte(pad), NextHeaderIPv4
	if !bytes.Equal(plain, want) {
		t.Fatalf("plaintext %x, want %x", plain, want)
	}
}

// TestCBCIVsDiffer checks that consecutive packets get distinct IVs and
// that two SAs with the same keys do not share an IV sequence.
func TestCBCIVsDiffer(t *testing.T) {
	s := suites[3]
	a, _ := s.pair(t, false)
	b, _ := s.pair(t, false)
	seen := map[string]bool{}
	for range 100 {
		for _, out := range []*Outbound{a, b} {
			iv := string(sealCopy(t, out, pattern(10, 0))[8:24])
			if seen[iv] {
				t.Fatalf("IV %x repeated", iv)
			}
			seen[iv] = true
		}
	}
}
