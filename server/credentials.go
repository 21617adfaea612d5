package server

import (
	"crypto"
	"crypto/x509"
	"fmt"

	"flexvpn/internal/pemfile"
)

// Gateway credentials for the IKE engine: the certificate chain and key
// named in [certificate], and the CAs peer certificates must chain to.
// Load only checked that the files hold PEM; here they are parsed.

// Credentials are the parsed [certificate] files.
type Credentials struct {
	Chain  []*x509.Certificate // leaf first; nil without [certificate]
	Signer crypto.Signer
	CAs    []*x509.Certificate
}

// LoadCredentials parses the configuration's certificate, key and CAs.
func (c *Config) LoadCredentials() (Credentials, error) {
	var cr Credentials
	var err error
	if c.CertFile != "" {
		if cr.Chain, err = readCerts(c.CertFile); err != nil {
			return cr, err
		}
		if cr.Signer, err = readKey(c.KeyFile); err != nil {
			return cr, err
		}
	}
	for _, f := range c.CAFiles {
		certs, err := readCerts(f)
		if err != nil {
			return cr, err
		}
		cr.CAs = append(cr.CAs, certs...)
	}
	return cr, nil
}

func readCerts(path string) ([]*x509.Certificate, error) {
	out, err := pemfile.Certificates(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCredentials, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s holds no CERTIFICATE block", ErrCredentials, path)
	}
	return out, nil
}

func readKey(path string) (crypto.Signer, error) {
	s, err := pemfile.Signer(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCredentials, err)
	}
	return s, nil
}
