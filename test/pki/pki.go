package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// KeyType selects the key algorithm of a CA or leaf.
type KeyType int

// Key types. RSA keys are 2048 bits: big enough for every peer, small
// enough to generate quickly in tests.
const (
	RSA2048 KeyType = iota
	ECDSAP256
	Ed25519
)

func (k KeyType) String() string {
	switch k {
	case RSA2048:
		return "rsa2048"
	case ECDSAP256:
		return "ecdsa-p256"
	case Ed25519:
		return "ed25519"
	}
	return fmt.Sprintf("KeyType(%d)", int(k))
}

// Organization is the O= of every subject, so tests can build DNs.
const Organization = "flexvpn test"

// validity is long enough for any test run, starting a little in the
// past so clock skew between namespaces or hosts never matters.
const (
	backdate = time.Hour
	validFor = 30 * 24 * time.Hour
)

// Cert is a certificate with its private key, in memory and as PEM.
type Cert struct {
	Cert    *x509.Certificate
	Key     crypto.Signer
	CertPEM []byte
	// KeyPEM is PKCS#8 ("PRIVATE KEY"), readable by strongSwan's pkcs8
	// plugin and by Go's x509.ParsePKCS8PrivateKey.
	KeyPEM []byte
}

// CA is a self-signed root that issues leaves.
type CA struct {
	Cert
}

// NewCA creates a self-signed CA with subject "CN=<name>, O=flexvpn test".
func NewCA(kt KeyType, name string) (*CA, error) {
	key, err := newKey(kt)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		Subject:               subject(name),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	c, err := sign(tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	if err := c.setKey(key); err != nil {
		return nil, err
	}
	return &CA{Cert: *c}, nil
}

// Intermediate issues a subordinate CA signed by ca, for chain tests:
// a peer sends its leaf plus this CA's certificate and the verifier
// trusts only the root.
func (ca *CA) Intermediate(kt KeyType, name string) (*CA, error) {
	key, err := newKey(kt)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		Subject:               subject(name),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	c, err := sign(tmpl, ca.Cert.Cert, key.Public(), ca.Key)
	if err != nil {
		return nil, err
	}
	if err := c.setKey(key); err != nil {
		return nil, err
	}
	return &CA{Cert: *c}, nil
}

// MustCA is NewCA that fails the test on error.
func MustCA(t testing.TB, kt KeyType, name string) *CA {
	t.Helper()
	ca, err := NewCA(kt, name)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// Leaf describes a certificate to issue.
type Leaf struct {
	CommonName string
	KeyType    KeyType
	DNSNames   []string
	Emails     []string
	IPs        []netip.Addr
	ExtKeyUse  []x509.ExtKeyUsage
	// NotAfter overrides the validity end, e.g. to test an expired cert.
	NotAfter time.Time
}

// Issue signs a leaf certificate for l with a fresh key.
func (ca *CA) Issue(l Leaf) (*Cert, error) {
	key, err := newKey(l.KeyType)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		Subject:        subject(l.CommonName),
		DNSNames:       l.DNSNames,
		EmailAddresses: l.Emails,
		ExtKeyUsage:    l.ExtKeyUse,
		KeyUsage:       x509.KeyUsageDigitalSignature,
		NotAfter:       l.NotAfter,
	}
	if l.KeyType == RSA2048 {
		tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment
	}
	for _, ip := range l.IPs {
		tmpl.IPAddresses = append(tmpl.IPAddresses, ip.AsSlice())
	}
	c, err := sign(tmpl, ca.Cert.Cert, key.Public(), ca.Key)
	if err != nil {
		return nil, err
	}
	return c, c.setKey(key)
}

// Gateway issues a server certificate: CN and SAN DNS fqdn, SAN IP ip
// (if valid), EKU serverAuth.
func (ca *CA) Gateway(kt KeyType, fqdn string, ip netip.Addr) (*Cert, error) {
	l := Leaf{CommonName: fqdn, KeyType: kt, DNSNames: []string{fqdn},
		ExtKeyUse: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	if ip.IsValid() {
		l.IPs = []netip.Addr{ip}
	}
	return ca.Issue(l)
}

// Client issues a client certificate with EKU clientAuth. An id with an
// "@" becomes a SAN email (RFC822 identity), anything else a SAN DNS name
// (FQDN identity); either is also the CN.
func (ca *CA) Client(kt KeyType, id string) (*Cert, error) {
	l := Leaf{CommonName: id, KeyType: kt, ExtKeyUse: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if strings.Contains(id, "@") {
		l.Emails = []string{id}
	} else {
		l.DNSNames = []string{id}
	}
	return ca.Issue(l)
}

// MustGateway is Gateway that fails the test on error.
func (ca *CA) MustGateway(t testing.TB, kt KeyType, fqdn string, ip netip.Addr) *Cert {
	t.Helper()
	c, err := ca.Gateway(kt, fqdn, ip)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// MustClient is Client that fails the test on error.
func (ca *CA) MustClient(t testing.TB, kt KeyType, id string) *Cert {
	t.Helper()
	c, err := ca.Client(kt, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Pool returns a CertPool holding only this CA.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert.Cert)
	return p
}

// DN returns the subject DN the way strongSwan prints and matches it,
// e.g. "O=flexvpn test, CN=gw.flexvpn.test".
func (c *Cert) DN() string {
	return fmt.Sprintf("O=%s, CN=%s", Organization, c.Cert.Subject.CommonName)
}

func subject(cn string) pkix.Name {
	return pkix.Name{Organization: []string{Organization}, CommonName: cn}
}

func newKey(kt KeyType) (crypto.Signer, error) {
	switch kt {
	case RSA2048:
		return rsa.GenerateKey(rand.Reader, 2048)
	case ECDSAP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case Ed25519:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	}
	return nil, fmt.Errorf("%w: %d", ErrKeyType, int(kt))
}

// setKey stores the private key and its PKCS#8 PEM.
func (c *Cert) setKey(key crypto.Signer) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("pki: marshal key: %w", err)
	}
	c.Key = key
	c.KeyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	return nil
}

// sign fills serial and validity, signs tmpl with signer and returns the
// parsed certificate with its PEM; the caller adds the key with setKey.
func sign(tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) (*Cert, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl.SerialNumber = serial.Add(serial, big.NewInt(1))
	tmpl.NotBefore = now.Add(-backdate)
	if tmpl.NotAfter.IsZero() {
		tmpl.NotAfter = now.Add(validFor)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		return nil, fmt.Errorf("pki: sign %s: %w", tmpl.Subject.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("pki: parse %s: %w", tmpl.Subject.CommonName, err)
	}
	return &Cert{Cert: cert, CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}
