package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// testLoadKeyPEM is the PEM form of testLoadKey(name).
func testLoadKeyPEM(t *testing.T, name string) string {
	t.Helper()
	b, err := marshalLoadKeyPEM(testLoadKey(name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestConfigLoadReports(t *testing.T) {
	dir := t.TempDir()
	rsaLike := strings.ReplaceAll(testLoadKeyPEM(t, "x"), "PRIVATE KEY", "RSA PRIVATE KEY")
	writeFiles(t, dir, map[string]string{
		"load.key": testLoadKeyPEM(t, "gw1"), "open.key": testLoadKeyPEM(t, "gw1"),
		"junk.key": "not a key\n", "rsa.key": rsaLike,
	}, map[string]os.FileMode{"open.key": 0o644})
	load := func(redirect string) (*Config, error) {
		path := filepath.Join(dir, "server.toml")
		src := "[server]\nlisten = [\"0.0.0.0\", \"192.0.2.1\"]\n[redirect]\ngateways = [\"192.0.2.2\", \"vpn3.example.com\"]\n" + redirect
		if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		return Load(path)
	}
	pub2, pub3 := FormatLoadPublicKey(testLoadPub("gw2")), FormatLoadPublicKey(testLoadPub("gw3"))

	cfg, err := load("load_key_file = \"load.key\"\n")
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.LoadKeys.Private.Equal(testLoadKey("gw1")) || len(cfg.LoadKeys.Peers) != 0 || cfg.LoadPort != DefaultLoadPort ||
		cfg.LoadInterval != DefaultLoadInterval || cfg.LoadID != "192.0.2.1" {
		t.Fatalf("defaults: %+v %d %v %q", cfg.LoadKeys, cfg.LoadPort, cfg.LoadInterval, cfg.LoadID)
	}
	cfg, err = load("policy = \"least-sessions\"\nload_key_file = \"load.key\"\nload_port = 4600\nload_id = \"vpn1.example.com\"\nload_interval = \"500ms\"\n" +
		"[redirect.load_peers]\n\"192.0.2.2\" = \"" + pub2 + "\"\n\"vpn3.example.com\" = \"" + pub3 + "\"\n")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.LoadPort != 4600 || cfg.LoadID != "vpn1.example.com" || cfg.LoadInterval != 500*time.Millisecond ||
		!cfg.LoadKeys.Peers["192.0.2.2"].Equal(testLoadPub("gw2")) || !cfg.LoadKeys.Peers["vpn3.example.com"].Equal(testLoadPub("gw3")) {
		t.Fatalf("explicit: %d %q %v %v", cfg.LoadPort, cfg.LoadID, cfg.LoadInterval, cfg.LoadKeys.Peers)
	}
	if cfg, err = load(""); err != nil || cfg.LoadKeys != nil {
		t.Fatalf("off by default: %v %+v", err, cfg.LoadKeys)
	}
	for _, tt := range loadConfigErrors(pub2, pub3) {
		_, err := load(tt.redirect)
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q:\n err = %v\nwant %q", tt.redirect, err, tt.want)
		}
	}
}

// loadConfigErrors are [redirect] tails (the section starts on line 3,
// gateways is line 4) and a part of the error each must give.
func loadConfigErrors(pub2, pub3 string) []struct{ redirect, want string } {
	own := FormatLoadPublicKey(testLoadPub("gw1"))
	return []struct{ redirect, want string }{
		{"load_secret_file = \"cluster.key\"\n", "server.toml:5: [redirect] load_secret_file is no longer read: load reports are signed with each gateway's own Ed25519 key instead of one cluster secret; remove it, then run `flexvpn server load-key --out load.key`"},
		{"load_port = 4600\n", "server.toml:5: [redirect] load_port is set but load_key_file is not"},
		{"load_peers = { \"192.0.2.2\" = \"" + pub2 + "\" }\n", "server.toml:5: [redirect] load_peers is set but load_key_file is not"},
		{"load_key_file = \"open.key\"\n", "open.key is readable by group or others (mode 0644); run chmod 600"},
		{"load_key_file = \"junk.key\"\n", "junk.key: bad load-report key: no PEM \"PRIVATE KEY\" (PKCS#8) block; make a new one with `flexvpn server load-key --out"},
		{"load_key_file = \"rsa.key\"\n", "no PEM \"PRIVATE KEY\""},
		{"load_key_file = \"missing.key\"\n", "server.toml:5: [redirect]: cannot read"},
		{"load_key_file = \"load.key\"\nload_port = 70000\n", "server.toml:6: [redirect] load_port 70000"},
		{"load_key_file = \"load.key\"\nload_interval = \"fast\"\n", "load_interval \"fast\""},
		{"load_key_file = \"load.key\"\nload_interval = \"10ms\"\n", "between 100ms and 1m"},
		{"load_key_file = \"load.key\"\nload_id = \"" + strings.Repeat("a", 256) + "\"\n", "set load_id"},
		{"load_key_file = \"load.key\"\nload_peers = { \"192.0.2.9\" = \"" + pub2 + "\" }\n", "server.toml:6: [redirect] load_peers \"192.0.2.9\" is not in gateways"},
		{"load_key_file = \"load.key\"\n[redirect.load_peers]\n\"192.0.2.2\" = \"" + pub2 + "\"\n\"vpn3.example.com\" = \"ed25519:AAAA\"\n",
			"server.toml:8: [redirect] load_peers \"vpn3.example.com\": bad load-report key: not the base64 of a 32-byte Ed25519 public key; paste what `flexvpn server load-key --pub KEYFILE` prints"},
		{"load_key_file = \"load.key\"\nload_peers = { \"192.0.2.2\" = \"" + strings.TrimPrefix(pub2, "ed25519:") + "\" }\n", "does not start with \"ed25519:\""},
		{"load_key_file = \"load.key\"\nload_peers = { \"192.0.2.2\" = \"" + pub2 + "\", \"vpn3.example.com\" = \"" + pub2 + "\" }\n", "load_peers \"vpn3.example.com\" has the same key as \"192.0.2.2\""},
		{"load_key_file = \"load.key\"\nload_peers = { \"192.0.2.2\" = \"" + own + "\" }\n", "load_peers \"192.0.2.2\" is this gateway's own public key"},
		{"policy = \"least-sessions\"\nload_key_file = \"load.key\"\nload_peers = { \"192.0.2.2\" = \"" + pub2 + "\" }\n",
			"server.toml:4: [redirect] policy \"least-sessions\": gateway \"vpn3.example.com\" has no key in load_peers"},
		{"policy = \"least-sessions\"\n", "server.toml:5: [redirect] policy \"least-sessions\" needs the gateways' load reports: set load_key_file"},
		{"load_key_file = \"load.key\"\nload_peers = [\"" + pub3 + "\"]\n", "server.toml:6: [redirect] load_peers must be a table of gateway names to public keys"},
		{"load_key_file = \"load.key\"\nload_peers = { \"192.0.2.2\" = 1 }\n", "server.toml:6: [redirect] load_peers \"192.0.2.2\": write the public key as a string"},
	}
}

// TestConfigLoadReportsOwnGateway: a configuration shared by the whole
// cluster lists this gateway in gateways too; it needs no key for itself.
func TestConfigLoadReportsOwnGateway(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"load.key": testLoadKeyPEM(t, "gw1")}, nil)
	src := "[server]\nlisten = [\"192.0.2.1\"]\n[redirect]\npolicy = \"least-sessions\"\ngateways = [\"192.0.2.1\", \"192.0.2.2\"]\n" +
		"load_key_file = \"load.key\"\nload_peers = { \"192.0.2.2\" = \"" + FormatLoadPublicKey(testLoadPub("gw2")) + "\" }\n"
	if _, err := Parse(filepath.Join(dir, "server.toml"), []byte(src)); err != nil {
		t.Fatal(err)
	}
}

func TestLoadKeyForms(t *testing.T) {
	b, pub, err := NewLoadKeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	priv, err := ParseLoadKeyPEM(b)
	if err != nil || !pub.Equal(priv.Public()) {
		t.Fatalf("fresh key does not read back: %v", err)
	}
	other, _, _ := NewLoadKeyPEM()
	if string(other) == string(b) {
		t.Fatal("two fresh keys are the same")
	}
	s := FormatLoadPublicKey(pub)
	back, err := ParseLoadPublicKey(s)
	if err != nil || !back.Equal(pub) || !strings.HasPrefix(s, "ed25519:") {
		t.Fatalf("public key %q reads back as %x, %v", s, back, err)
	}
	// A PKCS#8 key of another algorithm is refused by name.
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(ec)
	if _, err := ParseLoadKeyPEM(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})); err == nil || !strings.Contains(err.Error(), "not an Ed25519 key") {
		t.Fatalf("ECDSA key: %v", err)
	}
	if _, err := ParseLoadPublicKey("ed25519:" + strings.Repeat("A", 43) + "="); err != nil {
		t.Fatalf("32 zero bytes are well-formed: %v", err)
	}
	if _, err := ParseLoadPublicKey("ed25519:!!"); err == nil {
		t.Fatal("bad base64 accepted")
	}
}

// TestReloadLoadReportsNeedRestart: the load-report socket, keys and
// peers are fixed when the server starts, so a reload that changes them
// says so.
func TestReloadLoadReportsNeedRestart(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"load.key": testLoadKeyPEM(t, "gw1"), "new.key": testLoadKeyPEM(t, "gw9")}, nil)
	parse := func(redirect string) *Config {
		cfg, err := Parse(filepath.Join(dir, "server.toml"), []byte("[server]\nlisten = [\"192.0.2.1\"]\n[redirect]\n"+redirect))
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	peer2 := "load_peers = { \"192.0.2.2\" = \"" + FormatLoadPublicKey(testLoadPub("gw2")) + "\" }\n"
	base := parse("gateways = [\"192.0.2.2\"]\nload_key_file = \"load.key\"\n" + peer2)
	tests := []struct {
		redirect string
		want     []string
	}{
		{"gateways = [\"192.0.2.2\"]\nload_key_file = \"load.key\"\n" + peer2, nil},
		{"gateways = [\"192.0.2.2\"]\nload_key_file = \"load.key\"\nload_port = 4600\n" + peer2, []string{"redirect load reports"}},
		{"gateways = [\"192.0.2.2\"]\nload_key_file = \"new.key\"\n" + peer2, []string{"redirect load reports"}},
		{"gateways = [\"192.0.2.2\"]\nload_key_file = \"load.key\"\nload_peers = { \"192.0.2.2\" = \"" + FormatLoadPublicKey(testLoadPub("gw3")) + "\" }\n", []string{"redirect load reports"}},
		{"gateways = [\"192.0.2.3\"]\nload_key_file = \"load.key\"\n", []string{"redirect load reports", "redirect.gateways (load report peers)"}},
		{"gateways = [\"192.0.2.2\"]\n", []string{"redirect load reports"}},
	}
	for _, tt := range tests {
		if got := restartOnly(base, parse(tt.redirect)); !slices.Equal(got, tt.want) {
			t.Errorf("%q: need restart %q, want %q", tt.redirect, got, tt.want)
		}
	}
}

// TestExampleLoadReportKeys: the load-report keys server.example.toml
// shows commented out load once uncommented, with real keys pasted.
func TestExampleLoadReportKeys(t *testing.T) {
	dir := exampleDir(t)
	path := filepath.Join(dir, "server.toml")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	n := 0
	for i, l := range lines {
		if strings.HasPrefix(l, "# load_") && strings.Contains(l, " = ") {
			lines[i] = strings.TrimPrefix(l, "# ")
			n++
		}
	}
	text := strings.Join(lines, "\n")
	text = strings.Replace(text, "ed25519:BASE64...", FormatLoadPublicKey(testLoadPub("gw2")), 1)
	text = strings.Replace(text, "ed25519:BASE64...", FormatLoadPublicKey(testLoadPub("gw3")), 1)
	writeFiles(t, dir, map[string]string{"server.toml": text, "load.key": testLoadKeyPEM(t, "gw1")}, nil)
	cfg, err := Load(path)
	if err != nil {
		t.Fatalf("%d lines uncommented: %v", n, err)
	}
	if n != 5 || cfg.LoadKeys == nil || len(cfg.LoadKeys.Peers) != 2 || cfg.LoadID != "192.0.2.1" ||
		!cfg.LoadKeys.Peers["vpn3.example.com"].Equal(testLoadPub("gw3")) {
		t.Fatalf("%d lines uncommented; load keys %+v, id %q", n, cfg.LoadKeys, cfg.LoadID)
	}
}
