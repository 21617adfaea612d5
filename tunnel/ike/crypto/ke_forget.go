package crypto

import "fmt"

// A key exchange's private value is needed only until the shared secret
// is computed, but an IKE SA lives for hours: Forget lets the engine drop
// it as soon as the keys are derived, so that a memory dump of a
// long-lived SA does not reveal it.
//
// What can be zeroed is: the MODP exponent (a math/big value we own).
// crypto/ecdh and crypto/mlkem keys have no way to overwrite their
// internal copies, so for those Forget only drops our reference and
// leaves the memory to the garbage collector.

// forgetter is implemented by the key exchanges that hold private state.
type forgetter interface{ forget() }

// Forget drops k's private value (zeroing it where we own the memory).
// Public and Group keep working; Shared fails with ErrKeyForgotten. A nil
// k, or one without private state (the ML-KEM responder's, which holds
// only the ciphertext it sent), is left alone. Forgetting twice is fine.
func Forget(k KeyExchange) {
	if f, ok := k.(forgetter); ok {
		f.forget()
	}
}

// forget keeps the public value, which Public otherwise computes from
// the private key.
func (k *ecdhKE) forget() {
	if k.priv == nil {
		return
	}
	k.pub = k.Public()
	k.priv = nil
}

func (k *modpKE) forget() {
	if k.x == nil {
		return
	}
	clear(k.x.Bits())
	k.x = nil
}

func (k *kemDecapsulator) forget() { k.decap = nil }

func errForgotten(group uint16) error {
	return fmt.Errorf("%w: key exchange group %d", ErrKeyForgotten, group)
}
