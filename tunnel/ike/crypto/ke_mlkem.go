package crypto

import (
	"crypto/mlkem"
	"fmt"
	"io"

	"flexvpn/tunnel/ike/wire"
)

// ML-KEM as an IKE key exchange method (RFC 9370, draft-ietf-ipsecme-
// ikev2-mlkem): the initiator's KE payload carries its encapsulation key,
// the responder's carries the ciphertext it made against that key, and
// the shared secret is ML-KEM's 32-byte key. Unlike Diffie-Hellman the two
// roles differ, so the responder uses NewResponderKeyExchange. Go's
// crypto/mlkem implements ML-KEM-768 and -1024; ML-KEM-512 is not
// available and reports ErrUnsupported.

// kemSpec gives the payload sizes of one ML-KEM parameter set.
type kemSpec struct{ ekLen, ctLen int }

var kemGroups = map[uint16]kemSpec{
	wire.KE_MLKEM768:  {mlkem.EncapsulationKeySize768, mlkem.CiphertextSize768},
	wire.KE_MLKEM1024: {mlkem.EncapsulationKeySize1024, mlkem.CiphertextSize1024},
}

// IsKEM reports whether group is a key encapsulation method (ML-KEM),
// which RFC 9370 allows only as an additional key exchange or alone.
func IsKEM(group uint16) bool {
	return group == wire.KE_MLKEM512 || group == wire.KE_MLKEM768 || group == wire.KE_MLKEM1024
}

// kemDecapsulator is the initiator's side: it owns the decapsulation key.
type kemDecapsulator struct {
	group  uint16
	public []byte
	decap  func(ct []byte) ([]byte, error)
}

func newKEMInitiator(group uint16) (*kemDecapsulator, error) {
	switch group {
	case wire.KE_MLKEM768:
		dk, err := mlkem.GenerateKey768()
		if err != nil {
			return nil, err
		}
		return &kemDecapsulator{group, dk.EncapsulationKey().Bytes(), dk.Decapsulate}, nil
	case wire.KE_MLKEM1024:
		dk, err := mlkem.GenerateKey1024()
		if err != nil {
			return nil, err
		}
		return &kemDecapsulator{group, dk.EncapsulationKey().Bytes(), dk.Decapsulate}, nil
	}
	return nil, fmt.Errorf("%w: key exchange method %d", ErrUnsupported, group)
}

func (k *kemDecapsulator) Group() uint16  { return k.group }
func (k *kemDecapsulator) Public() []byte { return k.public }

// Shared decapsulates the responder's ciphertext. ML-KEM decapsulation
// never fails on a well-sized ciphertext (implicit rejection yields an
// unrelated key, which then fails AUTH), so only the length is checked.
func (k *kemDecapsulator) Shared(ct []byte) ([]byte, error) {
	if k.decap == nil {
		return nil, errForgotten(k.group)
	}
	if len(ct) != kemGroups[k.group].ctLen {
		return nil, fmt.Errorf("%w: ML-KEM ciphertext of %d bytes", ErrInvalidPublicValue, len(ct))
	}
	ss, err := k.decap(ct)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPublicValue, err)
	}
	return ss, nil
}

// kemEncapsulator is the responder's side: Shared encapsulates against
// the initiator's key, after which Public is the ciphertext to send.
type kemEncapsulator struct {
	group uint16
	ct    []byte
}

func (k *kemEncapsulator) Group() uint16 { return k.group }

// Public is the ciphertext; nil until Shared has run.
func (k *kemEncapsulator) Public() []byte { return k.ct }

// Shared checks the encapsulation key (FIPS 203 modulus check, done by
// crypto/mlkem) and encapsulates a fresh secret against it.
func (k *kemEncapsulator) Shared(ek []byte) ([]byte, error) {
	if len(ek) != kemGroups[k.group].ekLen {
		return nil, fmt.Errorf("%w: ML-KEM encapsulation key of %d bytes", ErrInvalidPublicValue, len(ek))
	}
	var ss []byte
	switch k.group {
	case wire.KE_MLKEM768:
		pub, err := mlkem.NewEncapsulationKey768(ek)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidPublicValue, err)
		}
		ss, k.ct = pub.Encapsulate()
	case wire.KE_MLKEM1024:
		pub, err := mlkem.NewEncapsulationKey1024(ek)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidPublicValue, err)
		}
		ss, k.ct = pub.Encapsulate()
	}
	return ss, nil
}

// NewResponderKeyExchange is NewKeyExchange for the side that answers a
// KE payload: for ML-KEM it encapsulates (Public is valid after Shared),
// for Diffie-Hellman groups it is NewKeyExchange.
func NewResponderKeyExchange(group uint16, rand io.Reader) (KeyExchange, error) {
	if _, ok := kemGroups[group]; ok {
		return &kemEncapsulator{group: group}, nil
	}
	return NewKeyExchange(group, rand)
}
