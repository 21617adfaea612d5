package crypto

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"flexvpn/tunnel/ike/wire"
)

// Suite is a negotiated set of transforms, by wire ID. EncrKeyBits is the
// Key Length attribute (0 for ciphers without one); Integ is 0 for AEAD
// ciphers; KE is 0 for a Child SA without PFS.
type Suite struct{ Encr, EncrKeyBits, PRF, Integ, KE uint16 }

// Validate reports whether every transform is implemented and the
// transforms fit together.
func (s Suite) Validate() error {
	if _, err := EncrKeyLen(s.Encr, s.EncrKeyBits); err != nil {
		return err
	}
	if _, ok := prfSpecs[s.PRF]; !ok {
		return fmt.Errorf("%w: prf %d", ErrUnsupported, s.PRF)
	}
	if IsAEAD(s.Encr) {
		if s.Integ != wire.AUTH_NONE {
			return fmt.Errorf("%w: AEAD cipher %d with integrity %d", ErrInvalidSuite, s.Encr, s.Integ)
		}
	} else if _, err := IntegKeyLen(s.Integ); err != nil {
		return err
	}
	if s.KE != wire.KE_NONE {
		if _, ok := groupNames[s.KE]; !ok {
			return fmt.Errorf("%w: key exchange group %d", ErrUnsupported, s.KE)
		}
	}
	return nil
}

// Legacy reports whether the suite uses a transform kept only for old
// peers: 3DES, HMAC-MD5 (PRF or integrity), MODP 1024 or 1536.
func (s Suite) Legacy() bool {
	return s.Encr == wire.ENCR_3DES || s.PRF == wire.PRF_HMAC_MD5 ||
		s.Integ == wire.AUTH_HMAC_MD5_96 || s.KE == wire.KE_MODP1024 || s.KE == wire.KE_MODP1536
}

// String renders the suite as a strongSwan-style proposal string, e.g.
// "aes256gcm16-prfsha256-curve25519" or "aes128-sha256-prfsha256-modp2048",
// because that is what administrators of both ends already read.
func (s Suite) String() string {
	parts := []string{encrName(s.Encr, s.EncrKeyBits)}
	if s.Integ != wire.AUTH_NONE {
		parts = append(parts, specName(integSpecs, s.Integ, "integ"))
	}
	parts = append(parts, specName(prfSpecs, s.PRF, "prf"))
	if s.KE != wire.KE_NONE {
		name, ok := groupNames[s.KE]
		if !ok {
			name = "ke" + strconv.Itoa(int(s.KE))
		}
		parts = append(parts, name)
	}
	return strings.Join(parts, "-")
}

func encrName(encr, bits uint16) string {
	spec, ok := encrSpecs[encr]
	if !ok {
		return "encr" + strconv.Itoa(int(encr))
	}
	if spec.keyBits == nil {
		return spec.name
	}
	b := strconv.Itoa(int(bits))
	if spec.aead {
		return "aes" + b + spec.name
	}
	return spec.name + b
}

func specName(m map[uint16]hashSpec, id uint16, kind string) string {
	if spec, ok := m[id]; ok {
		return spec.name
	}
	return kind + strconv.Itoa(int(id))
}

// EncrKeyLen returns the key length in bytes for an ENCR transform with the
// given Key Length attribute, including the 4-byte salt of AEAD ciphers. It
// serves IKE and ESP alike: both use the same IDs and key layouts.
func EncrKeyLen(encr, keyBits uint16) (int, error) {
	spec, ok := encrSpecs[encr]
	if !ok {
		return 0, fmt.Errorf("%w: encryption %d", ErrUnsupported, encr)
	}
	if spec.keyBits == nil {
		// A Key Length attribute equal to the fixed length is harmless.
		if keyBits != 0 && int(keyBits) != spec.fixedKey*8 {
			return 0, fmt.Errorf("%w: %s takes no key length, got %d", ErrInvalidSuite, spec.name, keyBits)
		}
		return spec.fixedKey + spec.saltLen, nil
	}
	if !slices.Contains(spec.keyBits, keyBits) {
		return 0, fmt.Errorf("%w: %s key length %d", ErrInvalidSuite, spec.name, keyBits)
	}
	return int(keyBits)/8 + spec.saltLen, nil
}

// IntegKeyLen returns the key length in bytes of an integrity transform.
func IntegKeyLen(integ uint16) (int, error) {
	spec, ok := integSpecs[integ]
	if !ok || integ == wire.AUTH_NONE {
		return 0, fmt.Errorf("%w: integrity %d", ErrUnsupported, integ)
	}
	return spec.keyLen, nil
}

// EncrKeyLen is the encryption key length of the suite in bytes (salt
// included for AEAD); 0 if the suite does not validate.
func (s Suite) EncrKeyLen() int {
	n, _ := EncrKeyLen(s.Encr, s.EncrKeyBits)
	return n
}

// IntegKeyLen is the integrity key length of the suite in bytes; 0 for
// AEAD suites.
func (s Suite) IntegKeyLen() int {
	if IsAEAD(s.Encr) {
		return 0
	}
	n, _ := IntegKeyLen(s.Integ)
	return n
}
