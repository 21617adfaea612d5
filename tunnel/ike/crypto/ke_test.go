package crypto

import (
	"bytes"
	"crypto/rand"
	"errors"
	"math/big"
	"strings"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

var allGroups = []uint16{
	wire.KE_MODP1024, wire.KE_MODP1536, wire.KE_MODP2048, wire.KE_MODP3072, wire.KE_MODP4096,
	wire.KE_MODP2048_256, wire.KE_ECP256, wire.KE_ECP384, wire.KE_ECP521, wire.KE_CURVE25519,
}

func TestKeyExchangeAgreement(t *testing.T) {
	secretLen := map[uint16]int{wire.KE_ECP256: 32, wire.KE_ECP384: 48, wire.KE_ECP521: 66, wire.KE_CURVE25519: 32}
	for _, g := range allGroups {
		a, err := NewKeyExchange(g, rand.Reader)
		if err != nil {
			t.Fatalf("group %d: %v", g, err)
		}
		b, _ := NewKeyExchange(g, rand.Reader)
		n, _ := PublicLen(g)
		if a.Group() != g || len(a.Public()) != n || len(b.Public()) != n {
			t.Fatalf("group %d: Group %d, public %d bytes, PublicLen %d", g, a.Group(), len(a.Public()), n)
		}
		if g < wire.KE_ECP256 || g == wire.KE_MODP2048_256 {
			secretLen[g] = n // MODP secrets are padded to the prime length
		}
		sa, err := a.Shared(b.Public())
		if err != nil {
			t.Fatalf("group %d: %v", g, err)
		}
		sb, err := b.Shared(a.Public())
		if err != nil || !bytes.Equal(sa, sb) {
			t.Fatalf("group %d: secrets differ (%v)", g, err)
		}
		if len(sa) != secretLen[g] {
			t.Errorf("group %d: secret %d bytes, want %d", g, len(sa), secretLen[g])
		}
		if !SupportedGroup(g) {
			t.Errorf("SupportedGroup(%d) = false", g)
		}
	}
}

func TestKeyExchangeUnsupported(t *testing.T) {
	for _, g := range []uint16{0, 1, 22, 32, wire.KE_MLKEM512} {
		if _, err := NewKeyExchange(g, rand.Reader); !errors.Is(err, ErrUnsupported) {
			t.Errorf("group %d: %v", g, err)
		}
		if SupportedGroup(g) {
			t.Errorf("SupportedGroup(%d) = true", g)
		}
	}
}

func TestX25519RFC7748(t *testing.T) {
	alice, err := newECDHFromPrivate(wire.KE_CURVE25519, unhex(t, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"))
	if err != nil {
		t.Fatal(err)
	}
	bob, _ := newECDHFromPrivate(wire.KE_CURVE25519, unhex(t, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"))
	if want := unhex(t, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"); !bytes.Equal(alice.Public(), want) {
		t.Errorf("Alice public %x", alice.Public())
	}
	if want := unhex(t, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"); !bytes.Equal(bob.Public(), want) {
		t.Errorf("Bob public %x", bob.Public())
	}
	want := unhex(t, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")
	for _, pair := range [][2]*ecdhKE{{alice, bob}, {bob, alice}} {
		got, err := pair[0].Shared(pair[1].Public())
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("shared = %x, %v", got, err)
		}
	}
}

type ecdhVector struct {
	TcID                            int
	Comment                         string
	Flags                           []string
	Public, Private, Shared, Result string
}

// Wycheproof X25519: low-order peer values give an all-zero secret, which
// RFC 8031 section 2.3 requires us to refuse.
func TestWycheproofX25519(t *testing.T) {
	var f struct{ Tests []ecdhVector }
	loadJSON(t, "wycheproof_x25519.json", &f)
	zeros := 0
	for _, v := range f.Tests {
		k, err := newECDHFromPrivate(wire.KE_CURVE25519, unhex(t, v.Private))
		if err != nil {
			t.Fatal(err)
		}
		got, err := k.Shared(unhex(t, v.Public))
		if v.Shared == strings.Repeat("00", 32) {
			zeros++
			if !errors.Is(err, ErrInvalidPublicValue) {
				t.Errorf("tc %d (%s): all-zero secret accepted: %x %v", v.TcID, v.Comment, got, err)
			}
			continue
		}
		if err != nil || !bytes.Equal(got, unhex(t, v.Shared)) {
			t.Errorf("tc %d (%s): shared = %x, %v", v.TcID, v.Comment, got, err)
		}
	}
	if zeros == 0 {
		t.Error("no low-order vectors ran")
	}
}

// Wycheproof ECDH P-256 with uncompressed points; IKE carries x | y, so
// the 0x04 prefix is removed, and any other encoding is the wrong length.
func TestWycheproofP256(t *testing.T) {
	var f struct{ Tests []ecdhVector }
	loadJSON(t, "wycheproof_ecdh_secp256r1.json", &f)
	rejected := 0
	for _, v := range f.Tests {
		priv := new(big.Int).SetBytes(unhex(t, v.Private)).FillBytes(make([]byte, 32))
		k, err := newECDHFromPrivate(wire.KE_ECP256, priv)
		if err != nil {
			t.Fatal(err)
		}
		pub := unhex(t, v.Public)
		if len(pub) == 65 && pub[0] == 4 {
			pub = pub[1:]
		}
		got, err := k.Shared(pub)
		if v.Result == "valid" {
			if err != nil || !bytes.Equal(got, unhex(t, v.Shared)) {
				t.Errorf("tc %d (%s): shared = %x, %v", v.TcID, v.Comment, got, err)
			}
			continue
		}
		rejected++
		if !errors.Is(err, ErrInvalidPublicValue) {
			t.Errorf("tc %d (%s): accepted: %v", v.TcID, v.Comment, err)
		}
	}
	if rejected < 10 {
		t.Errorf("only %d invalid vectors", rejected)
	}
}

func TestECPRejectsBadPoints(t *testing.T) {
	for _, g := range []uint16{wire.KE_ECP256, wire.KE_ECP384, wire.KE_ECP521} {
		k, _ := NewKeyExchange(g, rand.Reader)
		peer, _ := NewKeyExchange(g, rand.Reader)
		pub := peer.Public()
		bad := [][]byte{
			nil,
			pub[:len(pub)-1],
			append([]byte{4}, pub...), // with the point-format prefix: wrong length in IKE
			make([]byte, len(pub)),    // (0, 0) is not on the curve
		}
		offCurve := append([]byte{}, pub...)
		offCurve[len(offCurve)-1] ^= 1
		bad = append(bad, offCurve)
		for i, b := range bad {
			if _, err := k.Shared(b); !errors.Is(err, ErrInvalidPublicValue) {
				t.Errorf("group %d case %d: %v", g, i, err)
			}
		}
	}
}

func TestMODPRejectsOutOfRange(t *testing.T) {
	for _, g := range []uint16{wire.KE_MODP1024, wire.KE_MODP2048, wire.KE_MODP2048_256} {
		k, _ := NewKeyExchange(g, rand.Reader)
		grp := modpGroups[g]
		n := grp.byteLen()
		val := func(x *big.Int) []byte { return x.FillBytes(make([]byte, n)) }
		pm1 := new(big.Int).Sub(grp.p, bigOne)
		bad := [][]byte{
			nil,
			make([]byte, n-1),
			append([]byte{0}, k.Public()...), // right value, one byte too long
			val(big.NewInt(0)),
			val(big.NewInt(1)),
			val(pm1),
			val(grp.p),
			bytes.Repeat([]byte{0xff}, n),
		}
		for i, b := range bad {
			if _, err := k.Shared(b); !errors.Is(err, ErrInvalidPublicValue) {
				t.Errorf("group %d case %d: %v", g, i, err)
			}
		}
	}
}

// In group 24 a value outside the order-q subgroup must be refused even
// though it is in range (RFC 6989 section 2.2).
func TestMODP24SubgroupCheck(t *testing.T) {
	grp := modpGroups[wire.KE_MODP2048_256]
	two := big.NewInt(2)
	if new(big.Int).Exp(two, grp.q, grp.p).Cmp(bigOne) == 0 {
		t.Fatal("2 is in the subgroup; pick another test value")
	}
	k, _ := NewKeyExchange(wire.KE_MODP2048_256, rand.Reader)
	if _, err := k.Shared(two.FillBytes(make([]byte, 256))); !errors.Is(err, ErrInvalidPublicValue) {
		t.Fatalf("value outside the subgroup: %v", err)
	}
}

// The RFC 3526 primes are p = 2^n - 2^(n-64) - 1 + 2^64 * (floor(2^(n-130) pi) + k);
// recomputing them checks every hex digit of our constants.
func TestMODPPrimesMatchFormula(t *testing.T) {
	pi := piTimes2To(4096 + 64)
	cases := []struct {
		group uint16
		n     uint
		k     int64
	}{
		{wire.KE_MODP1024, 1024, 129093}, // RFC 2409 uses the same construction
		{wire.KE_MODP1536, 1536, 741804},
		{wire.KE_MODP2048, 2048, 124476},
		{wire.KE_MODP3072, 3072, 1690314},
		{wire.KE_MODP4096, 4096, 240904},
	}
	for _, c := range cases {
		f := new(big.Int).Rsh(pi, 4096+64-(c.n-130))
		f.Add(f, big.NewInt(c.k))
		p := new(big.Int).Lsh(bigOne, c.n)
		p.Sub(p, new(big.Int).Lsh(bigOne, c.n-64))
		p.Sub(p, bigOne)
		p.Add(p, new(big.Int).Lsh(f, 64))
		if p.Cmp(modpGroups[c.group].p) != 0 {
			t.Errorf("group %d prime differs from the RFC 3526 formula", c.group)
		}
	}
}

func TestMODP24Parameters(t *testing.T) {
	g := modpGroups[wire.KE_MODP2048_256]
	if g.p.BitLen() != 2048 || g.q.BitLen() != 256 || !g.p.ProbablyPrime(4) || !g.q.ProbablyPrime(8) {
		t.Fatal("group 24 p or q is not the expected prime")
	}
	if new(big.Int).Exp(g.g, g.q, g.p).Cmp(bigOne) != 0 {
		t.Fatal("group 24 generator does not have order q")
	}
}

// piTimes2To returns floor(pi * 2^prec) (approximately; the low bits are
// discarded by the caller), by Machin's formula.
func piTimes2To(prec uint) *big.Int {
	atanInv := func(x int64) *big.Int {
		term := new(big.Int).Div(new(big.Int).Lsh(bigOne, prec), big.NewInt(x))
		sum := new(big.Int).Set(term)
		x2 := big.NewInt(x * x)
		for n := int64(1); term.Sign() != 0; n++ {
			term.Div(term, x2)
			t := new(big.Int).Div(term, big.NewInt(2*n+1))
			if n%2 == 1 {
				sum.Sub(sum, t)
			} else {
				sum.Add(sum, t)
			}
		}
		return sum
	}
	pi := new(big.Int).Mul(big.NewInt(16), atanInv(5))
	return pi.Sub(pi, new(big.Int).Mul(big.NewInt(4), atanInv(239)))
}

func TestMODPExponentFromRand(t *testing.T) {
	seed := bytes.Repeat([]byte{0x42}, 64)
	a, err := NewKeyExchange(wire.KE_MODP2048, bytes.NewReader(seed))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewKeyExchange(wire.KE_MODP2048, bytes.NewReader(seed))
	if !bytes.Equal(a.Public(), b.Public()) {
		t.Error("MODP key does not come from rand")
	}
	if _, err := NewKeyExchange(wire.KE_MODP2048, bytes.NewReader(nil)); err == nil {
		t.Error("MODP key generated without randomness")
	}
}

type keVector struct {
	Name                             string
	Group                            uint16
	PrivI, PrivR, PubI, PubR, Shared string
}

// RFC 5903 section 8 and RFC 5114 appendix A.3: fixed private keys, public
// values in the IKE encoding, and the shared secret, for both sides.
func TestKnownAnswerKE(t *testing.T) {
	var f struct{ Tests []keVector }
	loadJSON(t, "ke_known_answers.json", &f)
	for _, v := range f.Tests {
		i, r := fixedKE(t, v.Group, unhex(t, v.PrivI)), fixedKE(t, v.Group, unhex(t, v.PrivR))
		if !bytes.Equal(i.Public(), unhex(t, v.PubI)) || !bytes.Equal(r.Public(), unhex(t, v.PubR)) {
			t.Errorf("%s: public values differ", v.Name)
		}
		for _, pair := range [][2]KeyExchange{{i, r}, {r, i}} {
			got, err := pair[0].Shared(pair[1].Public())
			if err != nil || !bytes.Equal(got, unhex(t, v.Shared)) {
				t.Errorf("%s: shared = %x, %v", v.Name, got, err)
			}
		}
	}
	if len(f.Tests) < 4 {
		t.Errorf("only %d vectors", len(f.Tests))
	}
}

func fixedKE(t *testing.T, group uint16, priv []byte) KeyExchange {
	t.Helper()
	if g, ok := modpGroups[group]; ok {
		return newMODPFromExponent(group, g, new(big.Int).SetBytes(priv))
	}
	k, err := newECDHFromPrivate(group, priv)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
