package crypto

import (
	"crypto"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

// TestSignAuthFallback: with a peer that announced only SHA-1, or
// nothing, SignAuth signs with the classic method of the key type; with
// a usable hash, with method 14. Every signature verifies under the
// method it reports. Ed25519, which has no classic method, signs with
// method 14 when the peer announced nothing and fails without the
// identity hash.
func TestSignAuthFallback(t *testing.T) {
	testSigners(t)
	sha1Only := []wire.HashAlgorithm{wire.HashSHA1}
	keys := []struct {
		name    string
		key     crypto.Signer
		pub     crypto.PublicKey
		classic wire.AuthMethod
	}{
		{"rsa", rsaKey, &rsaKey.PublicKey, wire.AuthRSASig},
		{"rsa-pss", PSSSigner{rsaKey}, &rsaKey.PublicKey, wire.AuthRSASig},
		{"p256", ecKeys[elliptic.P256()], &ecKeys[elliptic.P256()].PublicKey, wire.AuthECDSA256},
		{"p384", ecKeys[elliptic.P384()], &ecKeys[elliptic.P384()].PublicKey, wire.AuthECDSA384},
		{"p521", ecKeys[elliptic.P521()], &ecKeys[elliptic.P521()].PublicKey, wire.AuthECDSA521},
	}
	for _, k := range keys {
		for _, peer := range []struct {
			name   string
			hashes []wire.HashAlgorithm
			want   wire.AuthMethod
		}{
			{"sha1-only", sha1Only, k.classic},
			{"none", nil, k.classic},
			{"sha256", []wire.HashAlgorithm{wire.HashSHA1, wire.HashSHA2_256}, wire.AuthDigitalSig},
		} {
			m, auth, err := SignAuth(k.key, octets, peer.hashes, rand.Reader)
			if err != nil || m != peer.want {
				t.Errorf("%s, peer %s: method %d err %v, want method %d", k.name, peer.name, m, err, peer.want)
				continue
			}
			if err := Verify(m, k.pub, octets, auth); err != nil {
				t.Errorf("%s, peer %s: %v", k.name, peer.name, err)
			}
		}
	}
	if m, auth, err := SignAuth(edKey, octets, nil, rand.Reader); err != nil || m != wire.AuthDigitalSig || Verify(m, edKey.Public(), octets, auth) != nil {
		t.Errorf("ed25519, peer none: method %d err %v", m, err)
	}
	if _, _, err := SignAuth(edKey, octets, sha1Only, rand.Reader); !errors.Is(err, ErrNoCommonHash) {
		t.Errorf("ed25519, peer sha1-only: %v, want ErrNoCommonHash", err)
	}
}

func TestClassicMethod(t *testing.T) {
	testSigners(t)
	cases := []struct {
		pub  crypto.PublicKey
		want wire.AuthMethod
		ok   bool
	}{
		{&rsaKey.PublicKey, wire.AuthRSASig, true},
		{&ecKeys[elliptic.P256()].PublicKey, wire.AuthECDSA256, true},
		{&ecKeys[elliptic.P384()].PublicKey, wire.AuthECDSA384, true},
		{&ecKeys[elliptic.P521()].PublicKey, wire.AuthECDSA521, true},
		{edKey.Public(), 0, false},
		{nil, 0, false},
	}
	for _, c := range cases {
		if m, ok := ClassicMethod(c.pub); m != c.want || ok != c.ok {
			t.Errorf("%T: %d %v, want %d %v", c.pub, m, ok, c.want, c.ok)
		}
	}
}

// FuzzSignAuth: whatever SIGNATURE_HASH_ALGORITHMS a peer sends (it is
// untrusted), SignAuth never panics, and what it signs verifies under
// the method it reports.
func FuzzSignAuth(f *testing.F) {
	f.Add([]byte{0, 1})
	f.Add([]byte{0, 2, 0, 5})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		testSigners(t)
		var hashes []wire.HashAlgorithm
		for i := 0; i+1 < len(raw); i += 2 {
			hashes = append(hashes, wire.HashAlgorithm(uint16(raw[i])<<8|uint16(raw[i+1])))
		}
		for _, k := range []crypto.Signer{rsaKey, PSSSigner{rsaKey}, ecKeys[elliptic.P256()], edKey} {
			m, auth, err := SignAuth(k, octets, hashes, rand.Reader)
			if err != nil {
				continue
			}
			if err := Verify(m, k.Public(), octets, auth); err != nil {
				t.Fatalf("%T with peer hashes %v: method %d does not verify: %v", k, hashes, m, err)
			}
		}
	})
}
