package server

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
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
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCredentials, err)
	}
	var out []*x509.Certificate
	for blk, rest := pem.Decode(b); blk != nil; blk, rest = pem.Decode(rest) {
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrCredentials, path, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s holds no CERTIFICATE block", ErrCredentials, path)
	}
	return out, nil
}

func readKey(path string) (crypto.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCredentials, err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("%w: %s holds no PEM private key", ErrCredentials, path)
	}
	var key any
	switch blk.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(blk.Bytes)
	default:
		key, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrCredentials, path, err)
	}
	s, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%w: %s: a %T key cannot sign", ErrCredentials, path, key)
	}
	return s, nil
}
