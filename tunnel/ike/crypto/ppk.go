package crypto

// WithPPK returns the keys after mixing in a post-quantum preshared key
// (RFC 8784 section 3): SK_d' = prf+(PPK, SK_d), SK_pi' = prf+(PPK, SK_pi),
// SK_pr' = prf+(PPK, SK_pr), each as long as the key it replaces. The SK
// ciphers (SK_e*, SK_a*) are unchanged: IKE_AUTH is already protected by
// them, and RFC 8784 leaves them alone. k itself is not modified, so the
// caller keeps the original SK_pi/SK_pr for a NO_PPK_AUTH fallback.
func (k IKEKeys) WithPPK(p PRF, ppk []byte) IKEKeys {
	out := k
	out.SKd = PRFPlus(p, ppk, k.SKd, len(k.SKd))
	out.SKpi = PRFPlus(p, ppk, k.SKpi, len(k.SKpi))
	out.SKpr = PRFPlus(p, ppk, k.SKpr, len(k.SKpr))
	return out
}
