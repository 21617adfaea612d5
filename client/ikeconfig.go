package client

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"flexvpn/client/profile"
	"flexvpn/internal/pemfile"
	"flexvpn/tunnel/ike"
	"flexvpn/tunnel/ike/eap"
	"flexvpn/tunnel/ike/wire"
)

// IKEConfig builds the initiator configuration for a profile. ask supplies
// EAP credentials the secrets file does not have (terminal prompt, GUI
// dialog); nil means the secrets file must hold the password.
func IKEConfig(p *profile.Profile, ask eap.CredentialFunc) (ike.Config, error) {
	local, err := ParseIdentity(p.Auth.Identity)
	if err != nil {
		return ike.Config{}, fmt.Errorf("%s: auth.identity: %w", p.Path, err)
	}
	cfg := ike.Config{
		LocalID:      local,
		AllowLegacy:  p.IKE.AllowLegacy,
		FragmentSize: p.IKE.FragmentMTU,
		DPDInterval:  time.Duration(p.IKE.DPDInterval),
		DPDRetry:     time.Duration(p.IKE.DPDRetry),
		MaxRedirects: p.IKE.MaxRedirects,
		// nil (no list in the profile) lets the engine pick its defaults.
		IKEProposals: p.IKE.IKEProposalList(),
		ESPProposals: p.IKE.ESPProposalList(),
	}
	if p.Gateway.Identity != "" {
		if cfg.RemoteID, err = ParseIdentity(p.Gateway.Identity); err != nil {
			return ike.Config{}, fmt.Errorf("%s: gateway.identity: %w", p.Path, err)
		}
	}
	if p.Gateway.CA != "" {
		if cfg.CAs, err = LoadCAs(p.Gateway.CA); err != nil {
			return ike.Config{}, err
		}
	}
	switch p.Auth.Method {
	case profile.AuthPSK:
		cfg.PSK = []byte(p.Secrets.PSK)
	case profile.AuthCert:
		if cfg.Certificates, cfg.Signer, err = LoadKeyPair(p.Auth.Cert, p.Auth.Key); err != nil {
			return ike.Config{}, err
		}
		if local.Type == wire.IDDERDN {
			if cfg.LocalID, err = certSubjectIdentity(local, cfg.Certificates[0]); err != nil {
				return ike.Config{}, fmt.Errorf("%s: auth.identity: %w", p.Path, err)
			}
		}
	case profile.AuthEAP:
		cfg.EAP = eapClient(p, ask)
	}
	return cfg, nil
}

// eapClient returns the factory the engine calls once per IKE SA.
func eapClient(p *profile.Profile, ask eap.CredentialFunc) func() (ike.EAPClient, error) {
	username := p.Auth.EAPUsername
	if username == "" {
		username = p.Auth.Identity
	}
	password := p.Secrets.Password
	creds := func(ctx context.Context, req eap.CredentialRequest) (eap.Credentials, error) {
		if password != "" {
			return eap.Credentials{Username: username, Password: password}, nil
		}
		if ask == nil {
			return eap.Credentials{}, errors.New("no password: put password = \"...\" in the secrets file or run connect on a terminal")
		}
		c, err := ask(ctx, req)
		if c.Username == "" {
			c.Username = username
		}
		return c, err
	}
	var methods []eap.Type
	for _, m := range p.Auth.EAPMethods {
		methods = append(methods, map[string]eap.Type{"mschapv2": eap.TypeMSCHAPv2, "md5": eap.TypeMD5, "gtc": eap.TypeGTC}[m])
	}
	return func() (ike.EAPClient, error) {
		return eap.NewPeer(eap.PeerConfig{Identity: username, Methods: methods, Credentials: creds})
	}
}

// ParseIdentity reads an identity the way a user writes it: an address,
// an email address (user@domain), a DN (dn:CN=...,O=..., see
// profile.ParseDN; the prefix may be left out) or a host name.
func ParseIdentity(s string) (ike.Identity, error) {
	s = strings.TrimSpace(s)
	if dn, ok := profile.IsDN(s); ok {
		return dnIdentity(dn)
	}
	switch {
	case s == "":
		return ike.Identity{}, errors.New("empty identity")
	case strings.Contains(s, "@"):
		return ike.EmailIdentity(s), nil
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return ike.IPIdentity(a), nil
	}
	return ike.FQDNIdentity(s), nil
}

// LoadCAs reads a PEM bundle of trusted CA certificates.
func LoadCAs(path string) ([]*x509.Certificate, error) {
	cas, err := pemfile.Certificates(path)
	if err != nil {
		return nil, err
	}
	if len(cas) == 0 {
		return nil, fmt.Errorf("%s holds no PEM certificate; it must be the CA that signed the gateway", path)
	}
	return cas, nil
}

// LoadKeyPair reads a certificate chain (leaf first) and its private key.
func LoadKeyPair(certPath, keyPath string) ([]*x509.Certificate, crypto.Signer, error) {
	chain, err := pemfile.Certificates(certPath)
	if err != nil {
		return nil, nil, err
	}
	if len(chain) == 0 {
		return nil, nil, fmt.Errorf("%s holds no PEM certificate", certPath)
	}
	signer, err := pemfile.Signer(keyPath)
	if err != nil {
		return nil, nil, err
	}
	return chain, signer, nil
}
