package client_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/tun"

	"flexvpn/client"
	"flexvpn/client/profile"
	"flexvpn/platform/tunif/tunfake"
	"flexvpn/server"
	"flexvpn/test/pki"
	"flexvpn/tunnel/ike"
)

// serverAddr is the loopback address the server tests use; the shared
// test lock keeps them apart.
var serverAddr = netip.MustParseAddr("127.0.0.78")

// utf8Name encodes a name (certificate order) with UTF8String values,
// the way OpenSSL and strongSwan's pki write subjects; Go would write
// PrintableString, so the bytes differ from what a profile's
// "dn:CN=...,O=..." encodes to.
func utf8Name(t *testing.T, attrs ...string) []byte {
	t.Helper()
	oids := map[string]asn1.ObjectIdentifier{"O": {2, 5, 4, 10}, "CN": {2, 5, 4, 3}}
	var rdns pkix.RDNSequence
	for i := 0; i < len(attrs); i += 2 {
		v := asn1.RawValue{Tag: asn1.TagUTF8String, Bytes: []byte(attrs[i+1])}
		rdns = append(rdns, pkix.RelativeDistinguishedNameSET{{Type: oids[attrs[i]], Value: v}})
	}
	der, err := asn1.Marshal(rdns)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// issueUTF8 issues a leaf with a UTF8String subject and writes
// name.pem and name.key to dir.
func issueUTF8(t *testing.T, ca *pki.CA, dir, name string, subject []byte, tmpl *x509.Certificate) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.RawSubject = subject
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert.Cert, key.Public(), ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, name+".pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(filepath.Join(dir, name+".key"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600)
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// dnSetup is our server with a certificate whose subject is its identity
// (no [server] identity: IDr is the subject's DN), and a client
// certificate with a UTF8String subject, all in dir.
func dnSetup(t *testing.T) (dir string, srv *server.Server, clientCert *x509.Certificate) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipped: binding UDP 500/4500 needs root")
	}
	dir = t.TempDir()
	ca := pki.MustCA(t, pki.ECDSAP256, "flexvpn test CA")
	os.WriteFile(filepath.Join(dir, "ca.pem"), ca.CertPEM, 0o644)
	issueUTF8(t, ca, dir, "gateway", utf8Name(t, "O", "flexvpn test", "CN", "gw.flexvpn.test"), &x509.Certificate{
		DNSNames: []string{"gw.flexvpn.test"}, IPAddresses: []net.IP{serverAddr.AsSlice()},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	clientCert = issueUTF8(t, ca, dir, "branch1", utf8Name(t, "O", "flexvpn test", "CN", "branch1"), &x509.Certificate{
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	conf := `[server]
listen = ["127.0.0.78"]
dpd_interval = "0s"

[certificate]
cert = "gateway.pem"
key = "gateway.key"
ca = ["ca.pem"]

[config_mode]
pool = "lan"
split_networks = ["198.51.100.0/24"]

[pool.lan]
prefix = "203.0.113.0/24"
gateway = "203.0.113.1"
`
	os.WriteFile(filepath.Join(dir, "server.toml"), []byte(conf), 0o600)
	cfg, err := server.Load(filepath.Join(dir, "server.toml"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err = server.New(cfg, server.Options{TUN: tunfake.New(tunfake.Config{Name: "fvs-dn"})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return dir, srv, clientCert
}

// dialProfile loads a certificate profile with the two identities and
// dials the server with it.
func dialProfile(t *testing.T, dir, own, gateway string) (client.Session, error) {
	t.Helper()
	src := "[[peer]]\nhost = \"gw.flexvpn.test\"\n[auth]\nmethod = \"cert\"\nidentity = '" + own +
		"'\ncert = \"branch1.pem\"\nkey = \"branch1.key\"\n[gateway]\nca = \"ca.pem\"\nidentity = '" + gateway + "'\n"
	path := filepath.Join(dir, "branch1.toml")
	os.WriteFile(path, []byte(src), 0o644)
	p, err := profile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := client.IKEConfig(p, nil)
	if err != nil {
		return nil, err
	}
	cfg.RetransmitT = 200 * time.Millisecond
	d := &client.TunnelDialer{IKE: cfg, NewTUN: func() (tun.Device, error) { return tunfake.New(tunfake.Config{}), nil }}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sess, err := d.Dial(ctx, client.Target{Host: "gw.flexvpn.test", Addr: serverAddr})
	if err == nil {
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			sess.Close(ctx)
		})
	}
	return sess, err
}

// TestDNIdentitiesAgainstOurServer: certificate authentication where
// both sides are known by distinguished names, written in the profile
// the way people write them, while the certificates encode them
// differently (UTF8String).
func TestDNIdentitiesAgainstOurServer(t *testing.T) {
	dir, srv, _ := dnSetup(t)
	t.Run("connects", func(t *testing.T) {
		sess, err := dialProfile(t, dir, "dn:CN=branch1,O=flexvpn test", "dn:cn=GW.flexvpn.test, o=flexvpn test")
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		if r := sess.Reply(); len(r.Addrs) != 1 {
			t.Errorf("reply %+v", r)
		}
		// The server matched our IDi against our certificate byte for
		// byte, and names us by it.
		if l := srv.Sessions(); len(l) != 1 || l[0].Identity != "dn:CN=branch1,O=flexvpn test" {
			t.Errorf("server sessions = %+v", l)
		}
	})
	t.Run("wrong gateway", func(t *testing.T) {
		_, err := dialProfile(t, dir, "dn:CN=branch1,O=flexvpn test", "dn:CN=other.flexvpn.test,O=flexvpn test")
		if !errors.Is(err, ike.ErrAuthFailed) || !strings.Contains(err.Error(), "dn:CN=gw.flexvpn.test,O=flexvpn test") ||
			!strings.Contains(err.Error(), "dn:CN=other.flexvpn.test,O=flexvpn test") {
			t.Fatalf("dial = %v, want an authentication failure naming both names", err)
		}
	})
	t.Run("own name not the certificate's", func(t *testing.T) {
		_, err := dialProfile(t, dir, "dn:CN=branch2,O=flexvpn test", "dn:CN=gw.flexvpn.test,O=flexvpn test")
		if err == nil || !strings.Contains(err.Error(), "auth.identity") || !strings.Contains(err.Error(), "dn:CN=branch1,O=flexvpn test") {
			t.Fatalf("dial = %v, want a refusal naming the certificate's subject", err)
		}
	})
}
