package crypto

import (
	"crypto/rand"
	"errors"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

// FuzzSKOpen feeds arbitrary bodies to every cipher kind: Open must fail
// cleanly (never panic) and never accept what it did not seal.
func FuzzSKOpen(f *testing.F) {
	suites := []Suite{suiteGCM256, suiteCBC128, suiteChaCha, suite3DES}
	var ins []SKCipher
	for _, s := range suites {
		out, in, err := testKeys(f, s).Ciphers(s, true)
		if err != nil {
			f.Fatal(err)
		}
		ins = append(ins, in)
		body, _ := out.Seal(nil, []byte("aad"), []byte("seed plaintext"), rand.Reader)
		f.Add(body)
	}
	f.Add([]byte{})
	f.Add(make([]byte, 64))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, in := range ins {
			pt, err := in.Open([]byte("aad"), body)
			if err == nil {
				t.Fatalf("forged body of %d bytes opened to %d bytes", len(body), len(pt))
			}
			if !errors.Is(err, ErrIntegrity) && !errors.Is(err, ErrMalformed) {
				t.Fatalf("unexpected error %v", err)
			}
		}
	})
}

// FuzzSKRoundTrip seals arbitrary plaintext and checks it opens intact
// with exactly BodyLen bytes.
func FuzzSKRoundTrip(f *testing.F) {
	f.Add([]byte("x"), []byte("aad"))
	f.Add([]byte{}, []byte{})
	ciphers := map[Suite][2]SKCipher{}
	for _, s := range []Suite{suiteGCM256, suiteCBC128, suiteChaCha, suite3DES} {
		iOut, _, _, rIn := testCiphers(f, s)
		ciphers[s] = [2]SKCipher{iOut, rIn}
	}
	f.Fuzz(func(t *testing.T, plain, aad []byte) {
		for s, c := range ciphers {
			body, err := c[0].Seal(nil, aad, plain, rand.Reader)
			if err != nil || len(body) != c[0].BodyLen(len(plain)) {
				t.Fatalf("%v: seal %d bytes: %v", s, len(body), err)
			}
			got, err := c[1].Open(aad, body)
			if err != nil || string(got) != string(plain) {
				t.Fatalf("%v: round trip: %v", s, err)
			}
		}
	})
}

// FuzzKeyExchangeShared: arbitrary peer KE data is refused or yields a
// secret of the group's length; it never panics.
func FuzzKeyExchangeShared(f *testing.F) {
	groups := []uint16{wire.KE_CURVE25519, wire.KE_ECP256, wire.KE_ECP384, wire.KE_MODP1024, wire.KE_MODP2048_256}
	var kes []KeyExchange
	for _, g := range groups {
		k, err := NewKeyExchange(g, rand.Reader)
		if err != nil {
			f.Fatal(err)
		}
		kes = append(kes, k)
		f.Add(k.Public())
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, peer []byte) {
		for _, k := range kes {
			secret, err := k.Shared(peer)
			if err != nil {
				if !errors.Is(err, ErrInvalidPublicValue) {
					t.Fatalf("group %d: unexpected error %v", k.Group(), err)
				}
				continue
			}
			if n, _ := PublicLen(k.Group()); len(peer) != n || len(secret) == 0 {
				t.Fatalf("group %d: accepted %d-byte value", k.Group(), len(peer))
			}
		}
	})
}

// FuzzVerify: arbitrary AUTH data for every signature method is refused
// without panicking.
func FuzzVerify(f *testing.F) {
	testSigners(f)
	cases := signCasesFor(f)
	for _, c := range cases {
		auth, err := Sign(c.method, c.key, octets, nil, rand.Reader)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(byte(c.method), auth)
	}
	f.Add(byte(wire.AuthDigitalSig), []byte{0xff})
	f.Fuzz(func(t *testing.T, method byte, auth []byte) {
		for _, c := range cases {
			// The only valid data is a real signature over octets; a fuzzer
			// will not forge one, so any success means a broken check.
			if Verify(wire.AuthMethod(method), c.pub, []byte("other octets"), auth) == nil {
				t.Fatalf("method %d: forged AUTH verified", method)
			}
		}
	})
}

// FuzzParseAlg: arbitrary AlgorithmIdentifier DER never panics, and
// whatever parses re-encodes to a scheme we know.
func FuzzParseAlg(f *testing.F) {
	for _, a := range [][]byte{algRSASHA256, algECDSASHA384, algEd25519, algPSSSHA512} {
		f.Add(a)
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		s, err := parseAlg(der)
		if err != nil {
			return
		}
		if s.kind < kindRSAPKCS1 || s.kind > kindEd25519 {
			t.Fatalf("parsed unknown kind %d", s.kind)
		}
	})
}
