package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"flexvpn/server"
)

func TestServerLoadKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "load.key")
	pub, err := writeLoadKey(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v; want 0600", st.Mode(), err)
	}
	b, _ := os.ReadFile(path)
	priv, err := server.ParseLoadKeyPEM(b)
	if err != nil || !pub.Equal(priv.Public()) {
		t.Fatalf("written key does not read back: %v", err)
	}
	if _, err := writeLoadKey(path); err == nil || !strings.Contains(err.Error(), "not overwriting") {
		t.Fatalf("second --out: %v", err)
	}
	if b2, _ := os.ReadFile(path); !bytes.Equal(b, b2) {
		t.Fatal("existing key overwritten")
	}
	again, err := loadKeyFor("", path)
	if err != nil || !again.Equal(pub) {
		t.Fatalf("--pub gives %x, %v; want %x", again, err, pub)
	}
	if _, err := loadKeyFor("", filepath.Join(t.TempDir(), "none")); err == nil {
		t.Fatal("--pub of a missing file")
	}
}

func TestPrintLoadPeerLine(t *testing.T) {
	_, pub, _ := server.NewLoadKeyPEM()
	var out, hint bytes.Buffer
	printLoadPeerLine(&out, &hint, pub, "")
	got, err := server.ParseLoadPublicKey(strings.TrimSpace(out.String()))
	if err != nil || !got.Equal(pub) || !strings.Contains(hint.String(), "load_peers") {
		t.Fatalf("bare key %q (%v), hint %q", out.String(), err, hint.String())
	}
	out.Reset()
	printLoadPeerLine(&out, &hint, pub, "vpn1.example.com")
	want := `"vpn1.example.com" = "` + server.FormatLoadPublicKey(pub) + "\"\n"
	if out.String() != want {
		t.Fatalf("entry %q, want %q", out.String(), want)
	}
}

func TestServerLoadKeyFlags(t *testing.T) {
	for _, args := range [][]string{nil, {"--out", "a", "--pub", "b"}, {"--out", "a", "extra"}} {
		if err := runServerLoadKey(args); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}
