package crypto

// Additional key exchanges (RFC 9370 section 2.2.2) and the IntAuth chain
// of IKE_INTERMEDIATE (RFC 9242 section 3.3.2).

// DeriveAddKEKeys computes the keys after one additional key exchange:
// SKEYSEED(n) = prf(SK_d(n-1), SK(n) | Ni | Nr) and
// {SK_d(n) | SK_ai(n) | ...} = prf+(SKEYSEED(n), Ni | Nr | SPIi | SPIr),
// with the IKE SA's negotiated PRF. Chaining through SK_d is what makes
// the final keys depend on every exchange, classic and post-quantum.
func DeriveAddKEKeys(p PRF, s Suite, prev IKEKeys, shared, ni, nr []byte, spii, spir uint64) (IKEKeys, error) {
	if err := s.Validate(); err != nil {
		return IKEKeys{}, err
	}
	skeyseed := p.Sum(prev.SKd, concat(shared, ni, nr))
	return expandIKEKeys(p, s, skeyseed, ni, nr, spii, spir), nil
}

// IntAuth extends one direction's IntAuth chain by a message:
// prf(SK_p, prev | A | P), where A is the IKE header and Encrypted payload
// header as if unfragmented and unencrypted (IntAuthA builds it), P the
// inner payloads, and prev the chain so far (empty for the first).
func IntAuth(p PRF, skp, prev, a, plain []byte) []byte {
	return p.Sum(skp, concat(prev, a, plain))
}
