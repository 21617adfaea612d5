package crypto

import (
	"crypto/elliptic"
	"crypto/rand"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

// opener is the allocation-free Open variant both cipher kinds implement.
type opener interface {
	OpenTo(dst, aad, body []byte) ([]byte, error)
}

func benchSK(b *testing.B, s Suite) {
	iOut, _, _, rIn := testCiphers(b, s)
	aad := make([]byte, 32)
	plain := make([]byte, 1024)
	buf := make([]byte, 0, 2048)
	body, _ := iOut.Seal(nil, aad, plain, rand.Reader)
	b.Run("Seal", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(plain)))
		for b.Loop() {
			if _, err := iOut.Seal(buf[:0], aad, plain, rand.Reader); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("OpenTo", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(plain)))
		o := rIn.(opener)
		for b.Loop() {
			if _, err := o.OpenTo(buf[:0], aad, body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Open", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(plain)))
		for b.Loop() {
			if _, err := rIn.Open(aad, body); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkSKGCM256(b *testing.B)   { benchSK(b, suiteGCM256) }
func BenchmarkSKCBC128(b *testing.B)   { benchSK(b, suiteCBC128) }
func BenchmarkSKChaCha20(b *testing.B) { benchSK(b, suiteChaCha) }

func benchKE(b *testing.B, group uint16) {
	peer, _ := NewKeyExchange(group, rand.Reader)
	b.ReportAllocs()
	for b.Loop() {
		k, err := NewKeyExchange(group, rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := k.Shared(peer.Public()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkKEX25519(b *testing.B)   { benchKE(b, wire.KE_CURVE25519) }
func BenchmarkKEP256(b *testing.B)     { benchKE(b, wire.KE_ECP256) }
func BenchmarkKEMODP2048(b *testing.B) { benchKE(b, wire.KE_MODP2048) }

func BenchmarkRSA2048(b *testing.B) {
	testSigners(b)
	auth, _ := Sign(wire.AuthDigitalSig, rsaKey, octets, nil, rand.Reader)
	b.Run("Sign", func(b *testing.B) {
		for b.Loop() {
			if _, err := Sign(wire.AuthDigitalSig, rsaKey, octets, nil, rand.Reader); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Verify", func(b *testing.B) {
		for b.Loop() {
			if err := Verify(wire.AuthDigitalSig, &rsaKey.PublicKey, octets, auth); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkECDSAP256(b *testing.B) {
	testSigners(b)
	key := ecKeys[elliptic.P256()]
	auth, _ := Sign(wire.AuthECDSA256, key, octets, nil, rand.Reader)
	b.Run("Sign", func(b *testing.B) {
		for b.Loop() {
			if _, err := Sign(wire.AuthECDSA256, key, octets, nil, rand.Reader); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Verify", func(b *testing.B) {
		for b.Loop() {
			if err := Verify(wire.AuthECDSA256, &key.PublicKey, octets, auth); err != nil {
				b.Fatal(err)
			}
		}
	})
}
