package profile

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// writeFiles creates the files a profile refers to in a temp dir.
func writeFiles(t *testing.T, files map[string]string, secretMode os.FileMode) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		mode := os.FileMode(0o644)
		if strings.HasSuffix(name, ".secrets") || strings.HasSuffix(name, ".key") {
			mode = secretMode
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(filepath.Join(dir, name), mode)
	}
	return dir
}

func TestExampleProfileLoads(t *testing.T) {
	src, err := os.ReadFile("example.toml")
	if err != nil {
		t.Fatal(err)
	}
	dir := writeFiles(t, map[string]string{
		"corp.toml":    string(src),
		"corp.secrets": `password = "s3cret"`,
		"ca.pem":       "-----BEGIN CERTIFICATE-----\n",
	}, 0o600)
	p, err := Load(filepath.Join(dir, "corp.toml"))
	if err != nil {
		t.Fatalf("example does not load: %v", err)
	}
	if p.Name != "corp" || p.Connect != ConnectAuto || len(p.Peers) != 3 || p.Peers[1].Host != "192.0.2.1" || p.Peers[2].Host != "gw3.example.com" || p.Peers[2].Port != 10500 || p.Peers[2].NATTPort != 14500 {
		t.Errorf("profile = %+v", p)
	}
	if p.Secrets.Password != "s3cret" {
		t.Errorf("password not read from the secrets file")
	}
	if time.Duration(p.IKE.DPDInterval) != 30*time.Second || !p.DNS.SplitDNS() || len(p.IKE.IKEProposalList()) != 2 {
		t.Errorf("ike/dns = %+v %+v", p.IKE, p.DNS)
	}
	if got := p.Routes.ExcludePrefixes(); len(got) != 1 || got[0].String() != "192.0.2.0/24" {
		t.Errorf("exclude = %v", got)
	}
	if p.Gateway.CA != filepath.Join(dir, "ca.pem") {
		t.Errorf("CA path not resolved against the profile dir: %s", p.Gateway.CA)
	}
}

func TestProfileErrorsNameLineAndFix(t *testing.T) {
	base := `
[auth]
method = "psk"
identity = "branch1.example.com"
secrets_file = "b.secrets"
`
	cases := []struct {
		name, body string
		wantLine   int
		wantText   string
	}{
		{"unknown key", "colour = 1\n" + base + "[[peer]]\nhost = \"192.0.2.1\"\n", 1, `unknown key "colour"`},
		{"bad host", base + "[[peer]]\nhost = \"gw_1..example\"\n", 7, "write it like gw.example.com"},
		{"bad prefix", base + "[[peer]]\nhost = \"192.0.2.1\"\n[routes]\naccept = [\"198.51.100.1/24\"]\n", 9, "did you mean 198.51.100.0/24"},
		{"no peer", base, 0, "add a [[peer]]"},
		{"syntax", "name = \n" + base, 1, ""},
		{"duplicate seq", base + "[[peer]]\nseq = 5\nhost = \"192.0.2.1\"\n[[peer]]\nseq = 5\nhost = \"192.0.2.2\"\n", 10, "used twice"},
		{"bad method", strings.Replace(base, `"psk"`, `"radius"`, 1) + "[[peer]]\nhost = \"192.0.2.1\"\n", 3, "not one of eap, psk, cert"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"b.toml": c.body, "b.secrets": `psk = "k"`}, 0o600)
			_, err := Load(filepath.Join(dir, "b.toml"))
			if err == nil {
				t.Fatal("loaded; want an error")
			}
			msg := err.Error()
			prefix := filepath.Join(dir, "b.toml") + ":"
			if c.wantLine > 0 {
				prefix += strconv.Itoa(c.wantLine) + ":"
			}
			if !strings.HasPrefix(msg, prefix) || !strings.Contains(msg, c.wantText) {
				t.Errorf("error %q; want prefix %q and text %q", msg, prefix, c.wantText)
			}
		})
	}
}

func TestSecretsFileMustBePrivate(t *testing.T) {
	body := "[[peer]]\nhost = \"192.0.2.1\"\n[auth]\nmethod = \"psk\"\nidentity = \"r1.example.com\"\nsecrets_file = \"r.secrets\"\n"
	dir := writeFiles(t, map[string]string{"r.toml": body, "r.secrets": `psk = "topsecret"`}, 0o644)
	_, err := Load(filepath.Join(dir, "r.toml"))
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("err = %v, want a chmod 600 hint", err)
	}
	if strings.Contains(err.Error(), "topsecret") {
		t.Fatal("the error leaks the secret")
	}
}

func TestEAPWithAddressIdentityNeedsUsername(t *testing.T) {
	body := "[[peer]]\nhost = \"192.0.2.1\"\n[auth]\nmethod = \"eap\"\nidentity = \"192.0.2.50\"\n[gateway]\nca = \"ca.pem\"\n"
	dir := writeFiles(t, map[string]string{"e.toml": body, "ca.pem": "x"}, 0o600)
	_, err := Load(filepath.Join(dir, "e.toml"))
	if err == nil || !strings.Contains(err.Error(), "e.toml:5:") || !strings.Contains(err.Error(), "eap_username") {
		t.Fatalf("err = %v", err)
	}
}

func TestCertAuthRequiresCA(t *testing.T) {
	// Gateway verification is never optional for certificate and EAP auth.
	body := "[[peer]]\nhost = \"gw.example.com\"\n[auth]\nmethod = \"eap\"\nidentity = \"bob@example.com\"\n"
	dir := writeFiles(t, map[string]string{"c.toml": body}, 0o600)
	_, err := Load(filepath.Join(dir, "c.toml"))
	if err == nil || !strings.Contains(err.Error(), "gateway.ca is missing") {
		t.Fatalf("err = %v", err)
	}
}
