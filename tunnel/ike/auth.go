package ike

import (
	"crypto/sha1"
	"crypto/x509"
	"fmt"
	"time"

	"flexvpn/tunnel/ike/crypto"
	"flexvpn/tunnel/ike/wire"
)

// The AUTH payload (RFC 7296 2.15): each side signs (or MACs with the
// PSK) its own IKE_SA_INIT message, the peer's nonce and prf(SK_p, ID').

// signedOctets returns what the side identified by id signs: initiator
// octets when fromInitiator, else responder octets.
func (sa *SA) signedOctets(fromInitiator bool, id Identity) []byte {
	if fromInitiator {
		return append(crypto.SignedOctets(sa.prf, sa.keys.SKpi, sa.initReq, sa.nr, idBody(id)), sa.intAuthSuffix()...)
	}
	return append(crypto.SignedOctets(sa.prf, sa.keys.SKpr, sa.initResp, sa.ni, idBody(id)), sa.intAuthSuffix()...)
}

// usesCert reports whether we authenticate with a certificate.
func (c *Config) usesCert() bool { return len(c.Certificates) > 0 && c.Signer != nil }

// ourAuth returns our CERT payloads (certificate auth) and AUTH payload.
func (sa *SA) ourAuth(octets []byte) ([]wire.Payload, error) {
	if !sa.cfg.usesCert() {
		psk := sa.cfg.localPSK()
		if psk == nil {
			return nil, fmt.Errorf("%w: no PSK configured", ErrInvalidConfig)
		}
		return []wire.Payload{&wire.Auth{Method: wire.AuthSharedKey, Data: crypto.SharedKeyAuth(sa.prf, psk, octets)}}, nil
	}
	method, sig, err := crypto.SignAuth(sa.cfg.Signer, octets, sa.peer.hashes, sa.rand())
	if err != nil {
		return nil, fmt.Errorf("ike: sign AUTH: %w", err)
	}
	sa.localAuth = method
	sa.log.Debug("signed AUTH", "method", method, "peer-hashes", sa.peer.hashes)
	var ps []wire.Payload
	for _, c := range sa.cfg.Certificates {
		ps = append(ps, &wire.Cert{Encoding: wire.CertX509Signature, Data: c.Raw})
	}
	return append(ps, &wire.Auth{Method: method, Data: sig}), nil
}

// certReq asks for certificates from our CAs: the SHA-1 hashes of their
// SubjectPublicKeyInfo (RFC 7296 3.7).
func (sa *SA) certReq() *wire.CertReq {
	if len(sa.cfg.CAs) == 0 {
		return nil
	}
	var auths []byte
	for _, ca := range sa.cfg.CAs {
		h := sha1.Sum(ca.RawSubjectPublicKeyInfo)
		auths = append(auths, h[:]...)
	}
	return &wire.CertReq{Encoding: wire.CertX509Signature, Authorities: auths}
}

// verifyPeer checks the peer's identity and AUTH payload; the error says
// which check failed and wraps ErrAuthFailed.
func (sa *SA) verifyPeer(ps []wire.Payload, id Identity, octets []byte) error {
	if !sa.cfg.RemoteID.IsZero() && !sa.cfg.RemoteID.Equal(id) {
		return fmt.Errorf("%w: peer identity %s is not the expected %s", ErrAuthFailed, id, sa.cfg.RemoteID)
	}
	auth := first[*wire.Auth](ps)
	if auth == nil {
		return fmt.Errorf("%w: no AUTH payload", ErrAuthFailed)
	}
	if auth.Method == wire.AuthSharedKey {
		return sa.verifyPSK(auth, octets)
	}
	cert, err := sa.verifyChain(ps, id)
	if err != nil {
		return err
	}
	if err := crypto.Verify(auth.Method, cert.PublicKey, octets, auth.Data); err != nil {
		return fmt.Errorf("%w: signature (method %d) does not verify: %v", ErrAuthFailed, auth.Method, err)
	}
	sa.peerCert = cert
	return nil
}

func (sa *SA) verifyPSK(auth *wire.Auth, octets []byte) error {
	psk := sa.cfg.remotePSK()
	if psk == nil {
		return fmt.Errorf("%w: peer used a pre-shared key but none is configured for it", ErrAuthFailed)
	}
	if err := crypto.VerifySharedKey(sa.prf, psk, octets, auth.Data); err != nil {
		return fmt.Errorf("%w: pre-shared key mismatch", ErrAuthFailed)
	}
	return nil
}

// verifyChain checks the peer's certificate chain against our CAs and
// that the end-entity certificate contains the peer's identity.
func (sa *SA) verifyChain(ps []wire.Payload, id Identity) (*x509.Certificate, error) {
	if len(sa.cfg.CAs) == 0 {
		return nil, fmt.Errorf("%w: peer used a certificate but no CA is configured", ErrAuthFailed)
	}
	certs := all[*wire.Cert](ps)
	if len(certs) == 0 {
		return nil, fmt.Errorf("%w: peer sent no certificate", ErrAuthFailed)
	}
	leaf, inter, err := parseCerts(certs)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	for _, ca := range sa.cfg.CAs {
		roots.AddCert(ca)
	}
	opts := x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: time.Now(),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
	if _, err := leaf.Verify(opts); err != nil {
		return nil, fmt.Errorf("%w: certificate %q is not trusted: %v", ErrAuthFailed, leaf.Subject.String(), err)
	}
	if err := certMatchesIdentity(leaf, id); err != nil {
		return nil, err
	}
	return leaf, nil
}

func parseCerts(certs []*wire.Cert) (*x509.Certificate, *x509.CertPool, error) {
	inter := x509.NewCertPool()
	var leaf *x509.Certificate
	for _, c := range certs {
		if c.Encoding != wire.CertX509Signature {
			continue
		}
		x, err := x509.ParseCertificate(c.Data)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: unparsable certificate: %v", ErrAuthFailed, err)
		}
		if leaf == nil {
			leaf = x
		} else {
			inter.AddCert(x)
		}
	}
	if leaf == nil {
		return nil, nil, fmt.Errorf("%w: no X.509 certificate", ErrAuthFailed)
	}
	return leaf, inter, nil
}
