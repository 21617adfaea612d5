package server

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// LoadKeys are the keys of the load-report channel: our private key signs
// what we send, and each peer's public key, by the id it reports under
// (its name in [redirect] gateways), checks what it sends.
type LoadKeys struct {
	Private ed25519.PrivateKey
	Peers   map[string]ed25519.PublicKey
}

// loadPubPrefix marks a public key in the configuration, so that the
// algorithm can change without guessing from the length.
const loadPubPrefix = "ed25519:"

// errLoadKey is wrapped by the key helpers; callers add the file or key.
var errLoadKey = errors.New("bad load-report key")

// NewLoadKeyPEM makes a fresh Ed25519 private key in the PEM PKCS#8 form
// `flexvpn server load-key --out` writes and load_key_file reads.
func NewLoadKeyPEM() ([]byte, ed25519.PublicKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	b, err := marshalLoadKeyPEM(priv)
	return b, pub, err
}

func marshalLoadKeyPEM(priv ed25519.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParseLoadKeyPEM reads an Ed25519 private key from PEM PKCS#8 bytes.
func ParseLoadKeyPEM(b []byte) (ed25519.PrivateKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%w: no PEM \"PRIVATE KEY\" (PKCS#8) block", errLoadKey)
	}
	key, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errLoadKey, err)
	}
	priv, ok := key.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w: a %T, not an Ed25519 key", errLoadKey, key)
	}
	return priv, nil
}

// FormatLoadPublicKey is the form of pub that load_peers takes:
// "ed25519:" and the standard base64 of the 32 key bytes.
func FormatLoadPublicKey(pub ed25519.PublicKey) string {
	return loadPubPrefix + base64.StdEncoding.EncodeToString(pub)
}

// ParseLoadPublicKey reads what FormatLoadPublicKey writes.
func ParseLoadPublicKey(s string) (ed25519.PublicKey, error) {
	b64, ok := strings.CutPrefix(s, loadPubPrefix)
	if !ok {
		return nil, fmt.Errorf("%w: does not start with %q", errLoadKey, loadPubPrefix)
	}
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: not the base64 of a %d-byte Ed25519 public key", errLoadKey, ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b), nil
}
