package crypto

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

var (
	keysOnce sync.Once
	rsaKey   *rsa.PrivateKey
	rsaKey2  *rsa.PrivateKey
	ecKeys   map[elliptic.Curve]*ecdsa.PrivateKey
	edKey    ed25519.PrivateKey
)

// testSigners loads the RSA keys from testdata (generating RSA keys is
// slow on a shared machine, and fuzz workers would each do it) and
// generates the others, once per test binary.
func testSigners(t testing.TB) {
	t.Helper()
	keysOnce.Do(func() {
		rsaKey, rsaKey2 = loadRSAKeys()
		ecKeys = map[elliptic.Curve]*ecdsa.PrivateKey{}
		for _, c := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
			ecKeys[c], _ = ecdsa.GenerateKey(c, rand.Reader)
		}
		_, edKey, _ = ed25519.GenerateKey(rand.Reader)
	})
	if rsaKey == nil || rsaKey2 == nil {
		t.Fatal("cannot load testdata/rsa_test_keys.pem")
	}
}

func loadRSAKeys() (a, b *rsa.PrivateKey) {
	data, err := os.ReadFile(filepath.Join("testdata", "rsa_test_keys.pem"))
	if err != nil {
		return nil, nil
	}
	var keys []*rsa.PrivateKey
	for blk, rest := pem.Decode(data); blk != nil; blk, rest = pem.Decode(rest) {
		if k, err := x509.ParsePKCS8PrivateKey(blk.Bytes); err == nil {
			if rk, ok := k.(*rsa.PrivateKey); ok {
				keys = append(keys, rk)
			}
		}
	}
	if len(keys) != 2 {
		return nil, nil
	}
	return keys[0], keys[1]
}

var octets = []byte("IKE_SA_INIT message | peer nonce | prf(SK_p, IDi')")

func TestSharedKeyAuth(t *testing.T) {
	p, _ := NewPRF(wire.PRF_HMAC_SHA2_256)
	psk := []byte("correct horse battery staple")
	inner := hmac.New(sha256.New, psk)
	inner.Write([]byte("Key Pad for IKEv2"))
	outer := hmac.New(sha256.New, inner.Sum(nil))
	outer.Write(octets)
	want := outer.Sum(nil)
	got := SharedKeyAuth(p, psk, octets)
	if !bytes.Equal(got, want) {
		t.Fatalf("SharedKeyAuth = %x, want %x", got, want)
	}
	if err := VerifySharedKey(p, psk, octets, got); err != nil {
		t.Fatal(err)
	}
	if err := VerifySharedKey(p, []byte("wrong"), octets, got); !errors.Is(err, ErrSignature) {
		t.Fatalf("wrong PSK: %v", err)
	}
	if err := VerifySharedKey(p, psk, octets, got[:16]); !errors.Is(err, ErrSignature) {
		t.Fatalf("truncated AUTH: %v", err)
	}
}

func TestSignedOctets(t *testing.T) {
	p, _ := NewPRF(wire.PRF_HMAC_SHA2_256)
	msg, nonce, skp := []byte("message"), []byte("nonce"), []byte("SK_pi")
	id := []byte{byte(wire.IDFQDN), 0, 0, 0, 'v', 'p', 'n'}
	got := SignedOctets(p, skp, msg, nonce, id)
	want := concat(msg, nonce, p.Sum(skp, id))
	if !bytes.Equal(got, want) {
		t.Fatalf("SignedOctets = %x", got)
	}
	if bytes.Equal(SignedOctets(p, []byte("SK_pr"), msg, nonce, id), got) {
		t.Fatal("SK_p does not enter the octets")
	}
}

type signCase struct {
	name   string
	method wire.AuthMethod
	key    crypto.Signer
	pub    crypto.PublicKey
}

func signCases(t *testing.T) []signCase { return signCasesFor(t) }

func signCasesFor(t testing.TB) []signCase {
	testSigners(t)
	p256, p384, p521 := ecKeys[elliptic.P256()], ecKeys[elliptic.P384()], ecKeys[elliptic.P521()]
	return []signCase{
		{"rsa method 1", wire.AuthRSASig, rsaKey, &rsaKey.PublicKey},
		{"ecdsa256 method 9", wire.AuthECDSA256, p256, &p256.PublicKey},
		{"ecdsa384 method 10", wire.AuthECDSA384, p384, &p384.PublicKey},
		{"ecdsa521 method 11", wire.AuthECDSA521, p521, &p521.PublicKey},
		{"rsa pkcs1 method 14", wire.AuthDigitalSig, rsaKey, &rsaKey.PublicKey},
		{"rsa pss method 14", wire.AuthDigitalSig, PSSSigner{rsaKey}, &rsaKey.PublicKey},
		{"ecdsa256 method 14", wire.AuthDigitalSig, p256, &p256.PublicKey},
		{"ecdsa384 method 14", wire.AuthDigitalSig, p384, &p384.PublicKey},
		{"ecdsa521 method 14", wire.AuthDigitalSig, p521, &p521.PublicKey},
		{"ed25519 method 14", wire.AuthDigitalSig, edKey, edKey.Public()},
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	all := SupportedSignatureHashes()
	for _, c := range signCases(t) {
		auth, err := Sign(c.method, c.key, octets, all, rand.Reader)
		if err != nil {
			t.Fatalf("%s: sign: %v", c.name, err)
		}
		if err := Verify(c.method, c.pub, octets, auth); err != nil {
			t.Fatalf("%s: verify: %v", c.name, err)
		}
		if err := Verify(c.method, c.pub, append([]byte{}, octets[1:]...), auth); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: wrong octets: %v", c.name, err)
		}
		mod := append([]byte{}, auth...)
		mod[len(mod)-1] ^= 1
		if err := Verify(c.method, c.pub, octets, mod); err == nil {
			t.Errorf("%s: modified signature verified", c.name)
		}
		if err := Verify(c.method, c.pub, octets, auth[:len(auth)-1]); err == nil {
			t.Errorf("%s: truncated signature verified", c.name)
		}
		for n := 0; n < 4; n++ {
			if err := Verify(c.method, c.pub, octets, auth[:n]); err == nil {
				t.Errorf("%s: %d-byte AUTH verified", c.name, n)
			}
		}
	}
}

func TestVerifyWrongKey(t *testing.T) {
	testSigners(t)
	p256, p384 := ecKeys[elliptic.P256()], ecKeys[elliptic.P384()]
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, otherEd, _ := ed25519.GenerateKey(rand.Reader)
	cases := []struct {
		name   string
		method wire.AuthMethod
		key    crypto.Signer
		pub    crypto.PublicKey
		want   error
	}{
		{"rsa other key", wire.AuthRSASig, rsaKey, &rsaKey2.PublicKey, ErrSignature},
		{"rsa14 other key", wire.AuthDigitalSig, rsaKey, &rsaKey2.PublicKey, ErrSignature},
		{"ecdsa other key", wire.AuthECDSA256, p256, &other.PublicKey, ErrSignature},
		{"ecdsa14 other key", wire.AuthDigitalSig, p256, &other.PublicKey, ErrSignature},
		{"ed25519 other key", wire.AuthDigitalSig, edKey, otherEd.Public(), ErrSignature},
		{"method 9 with P-384 key", wire.AuthECDSA256, p256, &p384.PublicKey, ErrKeyType},
		{"rsa signature, ecdsa key", wire.AuthDigitalSig, rsaKey, &p256.PublicKey, ErrKeyType},
		{"ecdsa signature, rsa key", wire.AuthDigitalSig, p256, &rsaKey.PublicKey, ErrKeyType},
		{"ed25519 signature, ecdsa key", wire.AuthDigitalSig, edKey, &p256.PublicKey, ErrKeyType},
		{"method 1, ecdsa key", wire.AuthRSASig, rsaKey, &p256.PublicKey, ErrKeyType},
	}
	for _, c := range cases {
		auth, err := Sign(c.method, c.key, octets, nil, rand.Reader)
		if err != nil {
			t.Fatalf("%s: sign: %v", c.name, err)
		}
		if err := Verify(c.method, c.pub, octets, auth); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
}

func TestSignKeyMethodMismatch(t *testing.T) {
	testSigners(t)
	cases := []struct {
		method wire.AuthMethod
		key    crypto.Signer
	}{
		{wire.AuthRSASig, ecKeys[elliptic.P256()]},
		{wire.AuthECDSA256, rsaKey},
		{wire.AuthECDSA384, ecKeys[elliptic.P256()]},
		{wire.AuthECDSA256, edKey},
	}
	for _, c := range cases {
		if _, err := Sign(c.method, c.key, octets, nil, rand.Reader); !errors.Is(err, ErrKeyType) {
			t.Errorf("method %d with %T: %v", c.method, c.key, err)
		}
	}
	if _, err := Sign(wire.AuthSharedKey, rsaKey, octets, nil, rand.Reader); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Sign with method 2: %v", err)
	}
	if err := Verify(wire.AuthDSSSig, &rsaKey.PublicKey, octets, []byte{1}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Verify with method 3: %v", err)
	}
}

// algOf returns the AlgorithmIdentifier inside method 14 AUTH data.
func algOf(auth []byte) []byte { return auth[1 : 1+int(auth[0])] }

func TestSignHashChoice(t *testing.T) {
	testSigners(t)
	p384 := ecKeys[elliptic.P384()]
	cases := []struct {
		name  string
		key   crypto.Signer
		peer  []wire.HashAlgorithm
		alg   []byte
		noneK bool
	}{
		{"rsa default", rsaKey, SupportedSignatureHashes(), algRSASHA256, false},
		{"rsa peer wants 512", rsaKey, []wire.HashAlgorithm{wire.HashSHA1, wire.HashSHA2_512}, algRSASHA512, false},
		{"rsa no constraint", rsaKey, nil, algRSASHA256, false},
		{"pss 384", PSSSigner{rsaKey}, []wire.HashAlgorithm{wire.HashSHA2_384}, algPSSSHA384, false},
		{"p384 matches curve", p384, SupportedSignatureHashes(), algECDSASHA384, false},
		{"p384 peer only 256", p384, []wire.HashAlgorithm{wire.HashSHA2_256}, algECDSASHA256, false},
		{"ed25519", edKey, []wire.HashAlgorithm{wire.HashIdentity}, algEd25519, false},
		{"rsa only sha1 offered", rsaKey, []wire.HashAlgorithm{wire.HashSHA1}, nil, true},
		{"pss only sha1 offered", PSSSigner{rsaKey}, []wire.HashAlgorithm{wire.HashSHA1}, nil, true}, // once a panic
		{"ed25519 without identity", edKey, []wire.HashAlgorithm{wire.HashSHA2_256}, nil, true},
		{"ecdsa only identity", p384, []wire.HashAlgorithm{wire.HashIdentity}, nil, true},
	}
	for _, c := range cases {
		auth, err := Sign(wire.AuthDigitalSig, c.key, octets, c.peer, rand.Reader)
		if c.noneK {
			if !errors.Is(err, ErrNoCommonHash) {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !bytes.Equal(algOf(auth), c.alg) {
			t.Errorf("%s: AlgorithmIdentifier %x, want %x", c.name, algOf(auth), c.alg)
		}
	}
}

// method14 builds AUTH data from an AlgorithmIdentifier and a signature.
func method14(alg, sig []byte) []byte {
	return append(append([]byte{byte(len(alg))}, alg...), sig...)
}

func TestVerifyRejectsSHA1InMethod14(t *testing.T) {
	testSigners(t)
	h := sha1.Sum(octets)
	rsaSig, _ := rsa.SignPKCS1v15(nil, rsaKey, crypto.SHA1, h[:])
	sha1RSA := unhex(t, "300d06092a864886f70d0101050500")
	if err := Verify(wire.AuthDigitalSig, &rsaKey.PublicKey, octets, method14(sha1RSA, rsaSig)); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("sha1WithRSAEncryption: %v", err)
	}
	p256 := ecKeys[elliptic.P256()]
	ecSig, _ := ecdsa.SignASN1(rand.Reader, p256, h[:])
	sha1EC := unhex(t, "300906072a8648ce3d0401")
	if err := Verify(wire.AuthDigitalSig, &p256.PublicKey, octets, method14(sha1EC, ecSig)); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("ecdsa-with-SHA1: %v", err)
	}
	pssSHA1, _ := asn1.Marshal(algorithmIdentifier{Algorithm: oidRSAPSS, Parameters: asn1.RawValue{FullBytes: mustMarshal(t, pssParameters{
		Hash:         algorithmIdentifier{Algorithm: oidSHA1},
		MGF:          algorithmIdentifier{Algorithm: oidMGF1, Parameters: asn1.RawValue{FullBytes: mustMarshal(t, algorithmIdentifier{Algorithm: oidSHA1})}},
		SaltLength:   20,
		TrailerField: 1,
	})}})
	pssSig, _ := rsa.SignPSS(rand.Reader, rsaKey, crypto.SHA1, h[:], nil)
	if err := Verify(wire.AuthDigitalSig, &rsaKey.PublicKey, octets, method14(pssSHA1, pssSig)); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("RSASSA-PSS with SHA-1: %v", err)
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Our AlgorithmIdentifier constants are the DER of their definitions.
func TestAlgorithmIdentifierConstants(t *testing.T) {
	null := asn1.RawValue{FullBytes: []byte{5, 0}}
	hashAlg := func(oid asn1.ObjectIdentifier) algorithmIdentifier { return algorithmIdentifier{oid, null} }
	pss := func(h asn1.ObjectIdentifier, salt int) algorithmIdentifier {
		params := mustMarshal(t, struct {
			Hash algorithmIdentifier `asn1:"explicit,tag:0"`
			MGF  algorithmIdentifier `asn1:"explicit,tag:1"`
			Salt int                 `asn1:"explicit,tag:2"`
		}{hashAlg(h), algorithmIdentifier{oidMGF1, asn1.RawValue{FullBytes: mustMarshal(t, hashAlg(h))}}, salt})
		return algorithmIdentifier{oidRSAPSS, asn1.RawValue{FullBytes: params}}
	}
	cases := []struct {
		got  []byte
		want algorithmIdentifier
		s    sigScheme
	}{
		{algRSASHA256, hashAlg(oidRSASHA256), sigScheme{kind: kindRSAPKCS1, hash: crypto.SHA256}},
		{algRSASHA384, hashAlg(oidRSASHA384), sigScheme{kind: kindRSAPKCS1, hash: crypto.SHA384}},
		{algRSASHA512, hashAlg(oidRSASHA512), sigScheme{kind: kindRSAPKCS1, hash: crypto.SHA512}},
		{algECDSASHA256, algorithmIdentifier{Algorithm: oidECDSASHA256}, sigScheme{kind: kindECDSA, hash: crypto.SHA256}},
		{algECDSASHA384, algorithmIdentifier{Algorithm: oidECDSASHA384}, sigScheme{kind: kindECDSA, hash: crypto.SHA384}},
		{algECDSASHA512, algorithmIdentifier{Algorithm: oidECDSASHA512}, sigScheme{kind: kindECDSA, hash: crypto.SHA512}},
		{algEd25519, algorithmIdentifier{Algorithm: oidEd25519}, sigScheme{kind: kindEd25519}},
		{algPSSSHA256, pss(oidSHA256, 32), sigScheme{kind: kindRSAPSS, hash: crypto.SHA256, salt: 32}},
		{algPSSSHA384, pss(oidSHA384, 48), sigScheme{kind: kindRSAPSS, hash: crypto.SHA384, salt: 48}},
		{algPSSSHA512, pss(oidSHA512, 64), sigScheme{kind: kindRSAPSS, hash: crypto.SHA512, salt: 64}},
	}
	for _, c := range cases {
		if want := mustMarshal(t, c.want); !bytes.Equal(c.got, want) {
			t.Errorf("%v: constant %x, DER %x", c.want.Algorithm, c.got, want)
		}
		s, err := parseAlg(c.got)
		if err != nil || s != c.s {
			t.Errorf("%v: parsed %+v, %v", c.want.Algorithm, s, err)
		}
	}
}

// Some implementations omit the NULL parameters of the PKCS#1 algorithms.
func TestVerifyRSAWithoutNullParams(t *testing.T) {
	testSigners(t)
	auth, _ := Sign(wire.AuthDigitalSig, rsaKey, octets, nil, rand.Reader)
	sig := auth[1+int(auth[0]):]
	noNull := mustMarshal(t, algorithmIdentifier{Algorithm: oidRSASHA256})
	if err := Verify(wire.AuthDigitalSig, &rsaKey.PublicKey, octets, method14(noNull, sig)); err != nil {
		t.Fatal(err)
	}
	trailing := append(append([]byte{}, algRSASHA256...), 0)
	if err := Verify(wire.AuthDigitalSig, &rsaKey.PublicKey, octets, method14(trailing, sig)); !errors.Is(err, ErrAlgorithm) {
		t.Fatalf("trailing byte after AlgorithmIdentifier: %v", err)
	}
}

// A PSS signature with a salt length other than the hash length verifies
// when the parameters declare it.
func TestVerifyPSSDeclaredSalt(t *testing.T) {
	testSigners(t)
	h := sha256.Sum256(octets)
	sig, _ := rsa.SignPSS(rand.Reader, rsaKey, crypto.SHA256, h[:], &rsa.PSSOptions{SaltLength: 20})
	alg := algPSSSHA256[: len(algPSSSHA256)-1 : len(algPSSSHA256)-1]
	alg = append(alg, 20)
	if err := Verify(wire.AuthDigitalSig, &rsaKey.PublicKey, octets, method14(alg, sig)); err != nil {
		t.Fatalf("salt 20: %v", err)
	}
	if err := Verify(wire.AuthDigitalSig, &rsaKey.PublicKey, octets, method14(algPSSSHA256, sig)); !errors.Is(err, ErrSignature) {
		t.Fatalf("salt mismatch accepted: %v", err)
	}
}
