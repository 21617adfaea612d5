package crypto

import (
	"encoding/binary"
)

// IKEKeys are the keys of an IKE SA (RFC 7296 2.14). SKai and SKar are
// empty for AEAD suites; SKei and SKer then include the salt.
type IKEKeys struct{ SKd, SKai, SKar, SKei, SKer, SKpi, SKpr []byte }

// ChildKeys are the keys of one direction of a Child SA. Encr includes the
// salt for AEAD ciphers; Integ is empty for them.
type ChildKeys struct{ Encr, Integ []byte }

// DeriveIKEKeys computes the keys of a new IKE SA:
// SKEYSEED = prf(Ni | Nr, g^ir) and
// {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr).
func DeriveIKEKeys(s Suite, ni, nr, gir []byte, spii, spir uint64) (IKEKeys, error) {
	if err := s.Validate(); err != nil {
		return IKEKeys{}, err
	}
	p, err := NewPRF(s.PRF)
	if err != nil {
		return IKEKeys{}, err
	}
	skeyseed := p.Sum(concat(ni, nr), gir)
	return expandIKEKeys(p, s, skeyseed, ni, nr, spii, spir), nil
}

// DeriveRekeyedIKEKeys computes the keys of an IKE SA created by rekeying
// (RFC 7296 2.18): SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) with the
// OLD SA's PRF, then the SK_* expansion of 2.14 with the new suite's PRF and
// the new SPIs.
func DeriveRekeyedIKEKeys(old PRF, oldSKd []byte, s Suite, gir, ni, nr []byte, spii, spir uint64) (IKEKeys, error) {
	if err := s.Validate(); err != nil {
		return IKEKeys{}, err
	}
	p, err := NewPRF(s.PRF)
	if err != nil {
		return IKEKeys{}, err
	}
	skeyseed := old.Sum(oldSKd, concat(gir, ni, nr))
	return expandIKEKeys(p, s, skeyseed, ni, nr, spii, spir), nil
}

func expandIKEKeys(p PRF, s Suite, skeyseed, ni, nr []byte, spii, spir uint64) IKEKeys {
	var spis [16]byte
	binary.BigEndian.PutUint64(spis[:8], spii)
	binary.BigEndian.PutUint64(spis[8:], spir)
	prfLen, encrLen, integLen := p.KeyLen(), s.EncrKeyLen(), s.IntegKeyLen()
	km := PRFPlus(p, skeyseed, concat(ni, nr, spis[:]), 3*prfLen+2*encrLen+2*integLen)
	var k IKEKeys
	k.SKd, km = cut(km, prfLen)
	k.SKai, km = cut(km, integLen)
	k.SKar, km = cut(km, integLen)
	k.SKei, km = cut(km, encrLen)
	k.SKer, km = cut(km, encrLen)
	k.SKpi, km = cut(km, prfLen)
	k.SKpr, _ = cut(km, prfLen)
	return k
}

// DeriveChildKeys computes the keys of a Child SA (RFC 7296 2.17):
// KEYMAT = prf+(SK_d, Ni | Nr), or prf+(SK_d, g^ir (new) | Ni | Nr) with
// PFS (gir non-nil). Keys for initiator-to-responder traffic come first;
// within a direction the encryption key precedes the integrity key.
func DeriveChildKeys(p PRF, skd, gir, ni, nr []byte, encrLen, integLen int) (i2r, r2i ChildKeys) {
	km := PRFPlus(p, skd, concat(gir, ni, nr), 2*(encrLen+integLen))
	i2r.Encr, km = cut(km, encrLen)
	i2r.Integ, km = cut(km, integLen)
	r2i.Encr, km = cut(km, encrLen)
	r2i.Integ, _ = cut(km, integLen)
	return i2r, r2i
}

// cut splits b after n bytes; the head is capped so appending to one key
// can never overwrite the next.
func cut(b []byte, n int) (head, rest []byte) {
	return b[:n:n], b[n:]
}

func concat(parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([]byte, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// Wipe overwrites all keys with zeros, for when the SA is deleted. The SK
// ciphers keep their own copies of the keys, so wiping after Ciphers does
// not break them; Go may still hold other copies, so this only shortens
// the life of the ones we own.
func (k *IKEKeys) Wipe() {
	for _, b := range [][]byte{k.SKd, k.SKai, k.SKar, k.SKei, k.SKer, k.SKpi, k.SKpr} {
		clear(b)
	}
}

// Wipe overwrites the keys with zeros once they are installed in the SA.
func (k *ChildKeys) Wipe() {
	clear(k.Encr)
	clear(k.Integ)
}
