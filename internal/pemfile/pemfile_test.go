package pemfile

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, name string, blocks ...*pem.Block) string {
	t.Helper()
	var b []byte
	for _, blk := range blocks {
		b = append(b, pem.EncodeToMemory(blk)...)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestKeysInEveryForm(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	ecDER, _ := x509.MarshalECPrivateKey(ecKey)
	edDER, _ := x509.MarshalPKCS8PrivateKey(edKey)
	cases := map[string]*pem.Block{
		"pkcs1": {Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)},
		"sec1":  {Type: "EC PRIVATE KEY", Bytes: ecDER},
		"pkcs8": {Type: "PRIVATE KEY", Bytes: edDER},
	}
	for name, blk := range cases {
		if _, err := Signer(write(t, name, blk)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := Signer(write(t, "junk", &pem.Block{Type: "PRIVATE KEY", Bytes: []byte("junk")})); err == nil {
		t.Error("junk key accepted")
	}
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, []byte("no pem here"), 0o600)
	if _, err := Signer(empty); err == nil || !strings.Contains(err.Error(), "no PEM private key") {
		t.Errorf("empty file: %v", err)
	}
}

func TestCertificatesKeepOrderAndSkipOtherBlocks(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	var blocks []*pem.Block
	for i, cn := range []string{"leaf", "intermediate"} {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(int64(i + 1)), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			t.Fatal(err)
		}
		blocks = append(blocks, &pem.Block{Type: "CERTIFICATE", Bytes: der})
		if i == 0 {
			blocks = append(blocks, &pem.Block{Type: "PRIVATE KEY", Bytes: []byte("skipped")})
		}
	}
	certs, err := Certificates(write(t, "chain.pem", blocks...))
	if err != nil || len(certs) != 2 || certs[0].Subject.CommonName != "leaf" || certs[1].Subject.CommonName != "intermediate" {
		t.Fatalf("certs = %v, err %v", certs, err)
	}
}
