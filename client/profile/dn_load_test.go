package profile

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestDNIdentitiesLoad(t *testing.T) {
	body := `[[peer]]
host = "192.0.2.1"
[auth]
method = "cert"
identity = "dn:CN=branch1,O=Example,C=US"
cert = "b.pem"
key = "b.key"
[gateway]
ca = "ca.pem"
identity = "CN=gw.example.com,O=Example"
`
	dir := writeFiles(t, map[string]string{"b.toml": body, "b.pem": "x", "b.key": "x", "ca.pem": "x"}, 0o600)
	p, err := Load(filepath.Join(dir, "b.toml"))
	if err != nil {
		t.Fatalf("DN identities refused: %v", err)
	}
	if dn, ok := IsDN(p.Auth.Identity); !ok || dn != "CN=branch1,O=Example,C=US" {
		t.Errorf("IsDN(%q) = %q, %v", p.Auth.Identity, dn, ok)
	}
	if _, ok := IsDN(p.Gateway.Identity); !ok {
		t.Errorf("a name with '=' and no prefix is not taken as a DN")
	}
}

// TestBadDNNamesFileAndLine: a DN that does not parse is reported at its
// line, with the reason and the form to write.
func TestBadDNNamesFileAndLine(t *testing.T) {
	for _, tc := range []struct {
		name, auth, gateway string
		line                int
		why                 string
	}{
		{"own", `dn:CN=branch1,XX=1`, "gw.example.com", 5, `unknown attribute type "XX"`},
		{"gateway", "branch1.example.com", `dn:CN=gw,O=Example,`, 10, "ends with"},
		{"escape", `dn:CN=a\q`, "gw.example.com", 5, "bad escape"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := "[[peer]]\nhost = \"192.0.2.1\"\n[auth]\nmethod = \"cert\"\nidentity = '" + tc.auth +
				"'\ncert = \"b.pem\"\nkey = \"b.key\"\n[gateway]\nca = \"ca.pem\"\nidentity = '" + tc.gateway + "'\n"
			dir := writeFiles(t, map[string]string{"b.toml": body, "b.pem": "x", "b.key": "x", "ca.pem": "x"}, 0o600)
			_, err := Load(filepath.Join(dir, "b.toml"))
			at := filepath.Join(dir, "b.toml") + ":" + strconv.Itoa(tc.line) + ": "
			if err == nil || !strings.Contains(err.Error(), at) ||
				!strings.Contains(err.Error(), tc.why) || !strings.Contains(err.Error(), "write it like dn:") {
				t.Fatalf("err = %v; want line %d, %q and the form to write", err, tc.line, tc.why)
			}
		})
	}
}

func TestEAPWithDNIdentityNeedsUsername(t *testing.T) {
	body := "[[peer]]\nhost = \"192.0.2.1\"\n[auth]\nmethod = \"eap\"\nidentity = \"dn:CN=alice\"\n[gateway]\nca = \"ca.pem\"\n"
	dir := writeFiles(t, map[string]string{"e.toml": body, "ca.pem": "x"}, 0o600)
	_, err := Load(filepath.Join(dir, "e.toml"))
	if err == nil || !strings.Contains(err.Error(), "e.toml:5:") || !strings.Contains(err.Error(), "eap_username") {
		t.Fatalf("err = %v", err)
	}
}
