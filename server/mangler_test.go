package server

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

func dnIdentity(t testing.TB, n pkix.Name) Identity {
	t.Helper()
	der, err := asn1.Marshal(n.ToRDNSequence())
	if err != nil {
		t.Fatal(err)
	}
	return Identity{Type: wire.IDDERDN, Data: der}
}

func mustID(t testing.TB, s string) Identity {
	t.Helper()
	id, err := ParseIdentity(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestManglerName(t *testing.T) {
	dn := dnIdentity(t, pkix.Name{
		CommonName:         "alice",
		Country:            []string{"JP"},
		Locality:           []string{"Tokyo"},
		Province:           []string{"Kanto"},
		Organization:       []string{"Example Inc"},
		OrganizationalUnit: []string{"eng", "vpn"},
		ExtraNames: []pkix.AttributeTypeAndValue{
			{Type: dnFields["domain"].oid, Value: "corp"},
			{Type: dnFields["domain"].oid, Value: "example"},
		},
	})
	tests := []struct {
		rule, peer, eap string
		dn              bool
		want            string
		wantErr         error
	}{
		{rule: "fqdn all", peer: "fqdn:host1.branch.example.com", want: "host1.branch.example.com"},
		{rule: "fqdn hostname", peer: "fqdn:host1.branch.example.com", want: "host1"},
		{rule: "fqdn domain", peer: "fqdn:host1.branch.example.com", want: "branch.example.com"},
		{rule: "fqdn domain", peer: "fqdn:localhost", wantErr: ErrNoName},
		{rule: "fqdn hostname", peer: "email:bob@example.com", wantErr: ErrNoName},
		{rule: "email all", peer: "email:bob@example.com", want: "bob@example.com"},
		{rule: "email username", peer: "email:bob@example.com", want: "bob"},
		{rule: "email domain", peer: "email:bob@eng.example.com", want: "eng.example.com"},
		{rule: "email domain", peer: "ipv4:192.0.2.7", wantErr: ErrNoName},
		{rule: "dn common-name", dn: true, want: "alice"},
		{rule: "dn country", dn: true, want: "JP"},
		{rule: "dn locality", dn: true, want: "Tokyo"},
		{rule: "dn state", dn: true, want: "Kanto"},
		{rule: "dn organization", dn: true, want: "Example Inc"},
		{rule: "dn organization-unit", dn: true, want: "eng"},
		{rule: "dn domain", dn: true, want: "corp.example"},
		{rule: "dn common-name", peer: "fqdn:alice.example.com", wantErr: ErrNoName},
		{rule: "eap all", peer: "fqdn:ignored.example.com", eap: "carol@example.com", want: "carol@example.com"},
		{rule: "eap prefix delimiter @", eap: "carol@example.com", want: "carol"},
		{rule: "eap suffix delimiter @", eap: "carol@example.com", want: "example.com"},
		{rule: `eap prefix \`, eap: `CORP\carol`, want: "CORP"},
		{rule: `eap suffix delimiter \`, eap: `CORP\carol`, want: "carol"},
		{rule: "eap prefix .", eap: "carol.eng", want: "carol"},
		{rule: "eap suffix .", eap: "carol.eng.example", want: "eng.example"},
		{rule: "eap prefix @", eap: "carol", wantErr: ErrNoName},
		{rule: "eap dn organization-unit", eap: "CN=dave, OU=sales, O=Example\\, Inc", want: "sales"},
		{rule: "eap dn organization", eap: "CN=dave,OU=sales,O=Example\\, Inc", want: "Example, Inc"},
		{rule: "eap dn domain", eap: "CN=dave,DC=corp,DC=example", want: "corp.example"},
		{rule: "eap dn state", eap: "CN=dave", wantErr: ErrNoName},
		// Without a separate EAP identity the IKE identity is the EAP identity.
		{rule: "eap prefix @", peer: "email:erin@example.com", want: "erin"},
	}
	for _, tt := range tests {
		t.Run(tt.rule+"/"+tt.peer+tt.eap, func(t *testing.T) {
			m, err := ParseMangler(tt.rule)
			if err != nil {
				t.Fatal(err)
			}
			var peer Identity
			switch {
			case tt.dn:
				peer = dn
			case tt.peer != "":
				peer = mustID(t, tt.peer)
			default:
				peer = mustID(t, "ipv4:192.0.2.9")
			}
			got, err := m.Name(peer, tt.eap)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Name = %q, %v; want error %v", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Name = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestParseManglerRejects(t *testing.T) {
	for _, rule := range []string{"", "fqdn", "fqdn user", "email hostname", "dn cn", "eap",
		"eap prefix", "eap prefix delimiter", "eap prefix delimiter #", "eap all extra",
		"ipv4 all", "fqdn all extra"} {
		if _, err := ParseMangler(rule); !errors.Is(err, ErrConfig) {
			t.Errorf("ParseMangler(%q) = %v, want ErrConfig", rule, err)
		}
	}
}

func TestZeroManglerUsesIdentityValue(t *testing.T) {
	var m Mangler
	got, err := m.Name(mustID(t, "email:frank@example.com"), "")
	if err != nil || got != "frank@example.com" {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := m.Name(Identity{Type: wire.IDKeyID, Data: []byte{0, 1, 2}}, ""); !errors.Is(err, ErrNoName) {
		t.Fatalf("binary key id: err = %v, want ErrNoName", err)
	}
}

func FuzzManglerName(f *testing.F) {
	f.Add(uint8(wire.IDDERDN), []byte{0x30, 0x03, 0x31, 0x01, 0x30}, "a@b")
	f.Add(uint8(wire.IDFQDN), []byte("host.example.com"), `x\y`)
	f.Add(uint8(wire.IDRFC822), []byte("u@example.com"), "CN=a,DC=b")
	rules := []string{"fqdn all", "fqdn hostname", "fqdn domain", "email username", "email domain",
		"dn common-name", "dn domain", "eap all", "eap prefix @", `eap suffix \`, "eap dn domain"}
	f.Fuzz(func(t *testing.T, typ uint8, data []byte, eap string) {
		id := Identity{Type: wire.IDType(typ), Data: data}
		_ = id.String()
		for _, r := range rules {
			m, err := ParseMangler(r)
			if err != nil {
				t.Fatal(err)
			}
			name, err := m.Name(id, eap)
			if (err == nil) == (name == "") {
				t.Fatalf("rule %q: name %q with err %v", r, name, err)
			}
		}
	})
}
