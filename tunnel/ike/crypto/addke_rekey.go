package crypto

// DeriveRekeyedIKEKeysAddKE computes the keys of an IKE SA rekeyed with
// additional key exchanges in IKE_FOLLOWUP_KE (RFC 9370 2.2.4):
// SKEYSEED = prf(SK_d (old), SK(0) | Ni | Nr | SK(1) | ... | SK(n)), so
// that with no additional secrets it is exactly RFC 7296 2.18; then the
// usual expansion with the new suite's PRF, the nonces and new SPIs.
func DeriveRekeyedIKEKeysAddKE(old PRF, oldSKd []byte, s Suite, secrets [][]byte, ni, nr []byte, spii, spir uint64) (IKEKeys, error) {
	if len(secrets) == 0 {
		return IKEKeys{}, ErrInvalidPublicValue
	}
	if err := s.Validate(); err != nil {
		return IKEKeys{}, err
	}
	p, err := NewPRF(s.PRF)
	if err != nil {
		return IKEKeys{}, err
	}
	seed := concat(append([][]byte{secrets[0], ni, nr}, secrets[1:]...)...)
	return expandIKEKeys(p, s, old.Sum(oldSKd, seed), ni, nr, spii, spir), nil
}
