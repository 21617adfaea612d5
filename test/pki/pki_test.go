package pki

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestGatewayAndClientVerify(t *testing.T) {
	for _, kt := range []KeyType{RSA2048, ECDSAP256, Ed25519} {
		t.Run(kt.String(), func(t *testing.T) {
			ca := MustCA(t, kt, "flexvpn test CA")
			gwIP := netip.MustParseAddr("192.0.2.1")
			gw := ca.MustGateway(t, kt, "gw.flexvpn.test", gwIP)
			opts := x509.VerifyOptions{Roots: ca.Pool(), DNSName: "gw.flexvpn.test",
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
			if _, err := gw.Cert.Verify(opts); err != nil {
				t.Fatalf("gateway cert: %v", err)
			}
			if len(gw.Cert.IPAddresses) != 1 || !gw.Cert.IPAddresses[0].Equal(gwIP.AsSlice()) {
				t.Errorf("gateway SAN IP = %v", gw.Cert.IPAddresses)
			}
			opts.KeyUsages = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
			if _, err := gw.Cert.Verify(opts); err == nil {
				t.Error("gateway cert verified for clientAuth")
			}
			cli := ca.MustClient(t, kt, "alice@flexvpn.test")
			if got := cli.Cert.EmailAddresses; len(got) != 1 || got[0] != "alice@flexvpn.test" {
				t.Errorf("client SAN email = %v", got)
			}
			opts.DNSName = ""
			if _, err := cli.Cert.Verify(opts); err != nil {
				t.Fatalf("client cert: %v", err)
			}
			checkKeyMatches(t, gw)
		})
	}
}

func TestClientFQDNAndForeignCA(t *testing.T) {
	ca := MustCA(t, ECDSAP256, "ca one")
	other := MustCA(t, ECDSAP256, "ca two")
	c := ca.MustClient(t, ECDSAP256, "router1.flexvpn.test")
	if len(c.Cert.DNSNames) != 1 || c.Cert.DNSNames[0] != "router1.flexvpn.test" || len(c.Cert.EmailAddresses) != 0 {
		t.Errorf("FQDN client SANs: dns %v email %v", c.Cert.DNSNames, c.Cert.EmailAddresses)
	}
	_, err := c.Cert.Verify(x509.VerifyOptions{Roots: other.Pool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err == nil {
		t.Error("certificate verified against a different CA")
	}
	if c.DN() != "O=flexvpn test, CN=router1.flexvpn.test" {
		t.Errorf("DN = %q", c.DN())
	}
}

func TestExpiredLeaf(t *testing.T) {
	ca := MustCA(t, ECDSAP256, "ca")
	old, err := ca.Issue(Leaf{CommonName: "old", KeyType: ECDSAP256, NotAfter: time.Now().Add(-time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Cert.Verify(x509.VerifyOptions{Roots: ca.Pool()}); err == nil {
		t.Error("expired certificate verified")
	}
}

func TestWriteFiles(t *testing.T) {
	ca := MustCA(t, RSA2048, "ca")
	dir := t.TempDir()
	// A pre-existing world-readable key file must end up 0600.
	if err := os.WriteFile(filepath.Join(dir, "ca.key"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	certPath, keyPath, err := ca.WriteFiles(dir, "ca")
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(keyPath)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key mode = %v, %v; want 0600", st.Mode().Perm(), err)
	}
	b, _ := os.ReadFile(certPath)
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "CERTIFICATE" {
		t.Fatalf("cert file is not a PEM certificate")
	}
	kb, _ := os.ReadFile(keyPath)
	kblk, _ := pem.Decode(kb)
	if kblk == nil || kblk.Type != "PRIVATE KEY" {
		t.Fatalf("key file is not PKCS#8 PEM")
	}
	if _, err := x509.ParsePKCS8PrivateKey(kblk.Bytes); err != nil {
		t.Fatal(err)
	}
}

func TestUnknownKeyType(t *testing.T) {
	if _, err := NewCA(KeyType(42), "x"); err == nil {
		t.Error("NewCA accepted an unknown key type")
	}
}

// checkKeyMatches parses KeyPEM back and checks it is the certificate's key.
func checkKeyMatches(t *testing.T, c *Cert) {
	t.Helper()
	blk, _ := pem.Decode(c.KeyPEM)
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pub := k.(crypto.Signer).Public().(interface{ Equal(crypto.PublicKey) bool })
	if !pub.Equal(c.Cert.PublicKey) {
		t.Error("KeyPEM does not match the certificate's public key")
	}
}

func TestIntermediateChain(t *testing.T) {
	root := MustCA(t, RSA2048, "root")
	sub, err := root.Intermediate(ECDSAP256, "sub")
	if err != nil {
		t.Fatal(err)
	}
	leaf := sub.MustClient(t, ECDSAP256, "dave@flexvpn.test")
	inter := x509.NewCertPool()
	inter.AddCert(sub.Cert.Cert)
	opts := x509.VerifyOptions{Roots: root.Pool(), Intermediates: inter,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if _, err := leaf.Cert.Verify(opts); err != nil {
		t.Fatalf("leaf via intermediate: %v", err)
	}
	opts.Intermediates = nil
	if _, err := leaf.Cert.Verify(opts); err == nil {
		t.Error("leaf verified without its intermediate")
	}
	// MaxPathLenZero: the intermediate cannot sign another CA.
	subsub, err := sub.Intermediate(ECDSAP256, "subsub")
	if err != nil {
		t.Fatal(err)
	}
	inter.AddCert(subsub.Cert.Cert)
	deep := subsub.MustClient(t, ECDSAP256, "eve@flexvpn.test")
	opts.Intermediates = inter
	if _, err := deep.Cert.Verify(opts); err == nil {
		t.Error("a CA below a path-length-0 intermediate verified")
	}
}
