package crypto

import (
	"bytes"
	"crypto/rand"
	"errors"
	"slices"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

func TestForgetKeepsPublicRefusesShared(t *testing.T) {
	groups := append(slices.Clone(allGroups), wire.KE_MLKEM768, wire.KE_MLKEM1024)
	for _, g := range groups {
		k, err := NewKeyExchange(g, rand.Reader)
		if err != nil {
			t.Fatalf("group %d: %v", g, err)
		}
		peer, _ := NewResponderKeyExchange(g, rand.Reader)
		if _, err := peer.Shared(k.Public()); err != nil {
			t.Fatalf("group %d: peer: %v", g, err)
		}
		pub := bytes.Clone(k.Public())
		Forget(k)
		Forget(k) // twice is harmless
		if k.Group() != g || !bytes.Equal(k.Public(), pub) {
			t.Errorf("group %d: Group/Public changed by Forget", g)
		}
		if _, err := k.Shared(peer.Public()); !errors.Is(err, ErrKeyForgotten) {
			t.Errorf("group %d: Shared after Forget = %v, want ErrKeyForgotten", g, err)
		}
	}
}

func TestForgetZeroesMODPExponent(t *testing.T) {
	k, err := NewKeyExchange(wire.KE_MODP2048, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	x := k.(*modpKE).x
	if x.Sign() == 0 {
		t.Fatal("exponent is zero before Forget")
	}
	Forget(k)
	for i, w := range x.Bits() {
		if w != 0 {
			t.Fatalf("exponent word %d not zeroed: %#x", i, w)
		}
	}
}

func TestForgetWithoutPrivateState(t *testing.T) {
	Forget(nil)
	init, _ := NewKeyExchange(wire.KE_MLKEM768, rand.Reader)
	resp, _ := NewResponderKeyExchange(wire.KE_MLKEM768, rand.Reader)
	ss, err := resp.Shared(init.Public())
	if err != nil {
		t.Fatal(err)
	}
	ct := bytes.Clone(resp.Public())
	Forget(resp) // the responder holds only the ciphertext
	if !bytes.Equal(resp.Public(), ct) {
		t.Fatal("responder ciphertext changed by Forget")
	}
	got, err := init.Shared(ct)
	if err != nil || !bytes.Equal(got, ss) {
		t.Fatalf("initiator decapsulation after responder Forget: %v", err)
	}
}
