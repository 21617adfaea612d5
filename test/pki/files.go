package pki

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteFiles writes name.pem (certificate, 0644) and name.key (PKCS#8
// key, 0600) into dir and returns their paths.
func (c *Cert) WriteFiles(dir, name string) (certPath, keyPath string, err error) {
	certPath = filepath.Join(dir, name+".pem")
	keyPath = filepath.Join(dir, name+".key")
	if err := os.WriteFile(certPath, c.CertPEM, 0o644); err != nil {
		return "", "", fmt.Errorf("pki: %w", err)
	}
	// WriteFile keeps the mode of an existing file; force 0600 for keys.
	if err := os.WriteFile(keyPath, c.KeyPEM, 0o600); err != nil {
		return "", "", fmt.Errorf("pki: %w", err)
	}
	if err := os.Chmod(keyPath, 0o600); err != nil {
		return "", "", fmt.Errorf("pki: %w", err)
	}
	return certPath, keyPath, nil
}

// ChainPEM returns the certificate followed by the CA certificate, for
// peers that want the chain in one file.
func (c *Cert) ChainPEM(ca *CA) []byte {
	return append(append([]byte(nil), c.CertPEM...), ca.CertPEM...)
}
