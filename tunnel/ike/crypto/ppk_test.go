package crypto

import (
	"bytes"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

func TestWithPPK(t *testing.T) {
	s := Suite{Encr: wire.ENCR_AES_GCM_16, EncrKeyBits: 256, PRF: wire.PRF_HMAC_SHA2_384, KE: wire.KE_ECP384}
	k := testKeys(t, s)
	orig := keysConcat(k)
	p, _ := NewPRF(s.PRF)
	ppk := []byte("post-quantum preshared key, at least 256 bits long")
	q := k.WithPPK(p, ppk)

	// prf+(PPK, SK_x) with one block is prf(PPK, SK_x | 0x01).
	for name, pair := range map[string][2][]byte{"SK_d": {k.SKd, q.SKd}, "SK_pi": {k.SKpi, q.SKpi}, "SK_pr": {k.SKpr, q.SKpr}} {
		want := p.Sum(ppk, append(append([]byte{}, pair[0]...), 1))
		if !bytes.Equal(pair[1], want) {
			t.Errorf("%s' = %x, want %x", name, pair[1], want)
		}
	}
	if !bytes.Equal(q.SKei, k.SKei) || !bytes.Equal(q.SKer, k.SKer) {
		t.Error("PPK changed the SK ciphers' keys")
	}
	if !bytes.Equal(keysConcat(k), orig) {
		t.Error("WithPPK modified its receiver")
	}
	if bytes.Equal(k.WithPPK(p, []byte("another PPK")).SKpi, q.SKpi) {
		t.Error("SK_pi' does not depend on the PPK")
	}
}
