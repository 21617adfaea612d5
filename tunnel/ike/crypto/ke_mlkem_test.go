package crypto

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

// TestKEMAgreement: the initiator's encapsulation key and the
// responder's ciphertext have the registry sizes, and both ends get the
// same 32-byte secret; a fresh pair gets a different one.
func TestKEMAgreement(t *testing.T) {
	sizes := map[uint16][2]int{wire.KE_MLKEM768: {1184, 1088}, wire.KE_MLKEM1024: {1568, 1568}}
	for g, want := range sizes {
		ini, err := NewKeyExchange(g, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := NewResponderKeyExchange(g, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Public() != nil {
			t.Errorf("group %d: responder has a public value before encapsulating", g)
		}
		rs, err := resp.Shared(ini.Public())
		if err != nil {
			t.Fatal(err)
		}
		is, err := ini.Shared(resp.Public())
		if err != nil {
			t.Fatal(err)
		}
		if len(ini.Public()) != want[0] || len(resp.Public()) != want[1] {
			t.Errorf("group %d: sizes %d/%d, want %v", g, len(ini.Public()), len(resp.Public()), want)
		}
		if n, _ := PublicLen(g); n != want[0] {
			t.Errorf("group %d: PublicLen %d", g, n)
		}
		if !bytes.Equal(is, rs) || len(is) != 32 {
			t.Fatalf("group %d: secrets differ or wrong size (%d)", g, len(is))
		}
		other, _ := NewResponderKeyExchange(g, nil)
		os, _ := other.Shared(ini.Public())
		if bytes.Equal(os, is) {
			t.Errorf("group %d: two encapsulations gave the same secret", g)
		}
		if !IsKEM(g) || IsKEM(wire.KE_CURVE25519) {
			t.Error("IsKEM")
		}
	}
}

// TestKEMRejects: wrong-size values and an encapsulation key whose
// coefficients are not reduced (FIPS 203 modulus check) are refused with
// ErrInvalidPublicValue; ML-KEM-512 is not implemented.
func TestKEMRejects(t *testing.T) {
	ini, _ := NewKeyExchange(wire.KE_MLKEM768, rand.Reader)
	resp, _ := NewResponderKeyExchange(wire.KE_MLKEM768, rand.Reader)
	bad := [][]byte{nil, make([]byte, 1183), make([]byte, 1185), bytes.Repeat([]byte{0xff}, 1184)}
	for _, b := range bad {
		if _, err := resp.Shared(b); !errors.Is(err, ErrInvalidPublicValue) {
			t.Errorf("responder accepted %d-byte key: %v", len(b), err)
		}
	}
	for _, n := range []int{0, 1087, 1089} {
		if _, err := ini.Shared(make([]byte, n)); !errors.Is(err, ErrInvalidPublicValue) {
			t.Errorf("initiator accepted %d-byte ciphertext: %v", n, err)
		}
	}
	if _, err := NewKeyExchange(wire.KE_MLKEM512, rand.Reader); !errors.Is(err, ErrUnsupported) {
		t.Errorf("ML-KEM-512: %v", err)
	}
	if _, err := NewResponderKeyExchange(wire.KE_MLKEM512, rand.Reader); !errors.Is(err, ErrUnsupported) {
		t.Errorf("ML-KEM-512 responder: %v", err)
	}
}

// TestResponderKeyExchangeDH: for Diffie-Hellman groups the responder
// side is an ordinary key pair.
func TestResponderKeyExchangeDH(t *testing.T) {
	a, _ := NewKeyExchange(wire.KE_CURVE25519, rand.Reader)
	b, err := NewResponderKeyExchange(wire.KE_CURVE25519, rand.Reader)
	if err != nil || len(b.Public()) != 32 {
		t.Fatalf("%v %d", err, len(b.Public()))
	}
	s1, _ := a.Shared(b.Public())
	s2, _ := b.Shared(a.Public())
	if !bytes.Equal(s1, s2) {
		t.Fatal("X25519 secrets differ")
	}
}

// FuzzKEMShared: arbitrary peer data for either ML-KEM role is refused
// with ErrInvalidPublicValue or accepted only at the exact size.
func FuzzKEMShared(f *testing.F) {
	var kes []KeyExchange
	want := map[KeyExchange]int{}
	for _, g := range []uint16{wire.KE_MLKEM768, wire.KE_MLKEM1024} {
		ini, _ := NewKeyExchange(g, rand.Reader)
		kes = append(kes, ini)
		want[ini] = kemGroups[g].ctLen
		f.Add(ini.Public())
	}
	f.Add([]byte{})
	f.Add(make([]byte, 1088))
	f.Fuzz(func(t *testing.T, peer []byte) {
		for _, k := range kes {
			if s, err := k.Shared(peer); err == nil && (len(peer) != want[k] || len(s) != 32) {
				t.Fatalf("initiator %d accepted %d bytes", k.Group(), len(peer))
			} else if err != nil && !errors.Is(err, ErrInvalidPublicValue) {
				t.Fatal(err)
			}
		}
		for _, g := range []uint16{wire.KE_MLKEM768, wire.KE_MLKEM1024} {
			r, _ := NewResponderKeyExchange(g, nil)
			s, err := r.Shared(peer)
			if err == nil && (len(peer) != kemGroups[g].ekLen || len(s) != 32 || len(r.Public()) != kemGroups[g].ctLen) {
				t.Fatalf("responder %d accepted %d bytes", g, len(peer))
			} else if err != nil && !errors.Is(err, ErrInvalidPublicValue) {
				t.Fatal(err)
			}
		}
	})
}
