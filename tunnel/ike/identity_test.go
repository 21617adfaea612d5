package ike

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"strings"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

func mustDN(t testing.TB, n pkix.Name) []byte {
	t.Helper()
	der, err := asn1.Marshal(n.ToRDNSequence())
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// Logs and status show identities through String: a DN must read as a
// name, not as its DER.
func TestIdentityStringDN(t *testing.T) {
	der := mustDN(t, pkix.Name{CommonName: "alice", Organization: []string{"Example, Inc"}, Country: []string{"JP"}})
	if got, want := DNIdentity(der).String(), `dn:CN=alice,O=Example\, Inc,C=JP`; got != want {
		t.Errorf("String() = %s, want %s", got, want)
	}
	for _, bad := range [][]byte{{0x30}, {}, append(append([]byte{}, der...), 0)} {
		got := DNIdentity(bad).String()
		if !strings.HasPrefix(got, "dn:") || strings.Contains(got, "=") {
			t.Errorf("malformed %x rendered as %q, want dn:<hex>", bad, got)
		}
		if _, ok := FormatDN(bad); ok {
			t.Errorf("FormatDN(%x) ok", bad)
		}
	}
}

func TestIdentityStringOtherTypes(t *testing.T) {
	for _, tt := range []struct {
		id   Identity
		want string
	}{
		{FQDNIdentity("gw.example.com"), "gw.example.com"},
		{EmailIdentity("u@example.com"), "u@example.com"},
		{Identity{Type: wire.IDIPv4, Data: []byte{192, 0, 2, 1}}, "192.0.2.1"},
		{KeyIDIdentity([]byte{0xab}), "id(11):ab"},
	} {
		if got := tt.id.String(); got != tt.want {
			t.Errorf("%v: got %s, want %s", tt.id, got, tt.want)
		}
	}
}

func FuzzFormatDN(f *testing.F) {
	f.Add(mustDN(f, pkix.Name{CommonName: "a", OrganizationalUnit: []string{"b"}}))
	f.Add([]byte{0x30, 0x00})
	f.Fuzz(func(t *testing.T, der []byte) {
		s, ok := FormatDN(der)
		if !ok && s != "" {
			t.Fatalf("not ok but rendered %q", s)
		}
		_ = DNIdentity(der).String()
	})
}
