package server

import (
	"crypto/x509/pkix"
	"errors"
	"testing"

	"flexvpn/tunnel/ike"
	"flexvpn/tunnel/ike/wire"
)

func TestParseIdentityAndString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"fqdn:vpn.example.com", "fqdn:vpn.example.com"},
		{"FQDN:vpn.example.com", "fqdn:vpn.example.com"},
		{"email:alice@example.com", "email:alice@example.com"},
		{"alice@example.com", "email:alice@example.com"},
		{"vpn.example.com", "fqdn:vpn.example.com"},
		{"192.0.2.1", "ipv4:192.0.2.1"},
		{"::ffff:192.0.2.1", "ipv4:192.0.2.1"},
		{"2001:db8::1", "ipv6:2001:db8::1"},
		{"ipv6:2001:db8::1", "ipv6:2001:db8::1"},
		{"keyid:group-a", "keyid:group-a"},
	}
	for _, tt := range tests {
		id, err := ParseIdentity(tt.in)
		if err != nil || id.String() != tt.want {
			t.Errorf("ParseIdentity(%q) = %v, %v; want %s", tt.in, id, err, tt.want)
		}
	}
	for _, bad := range []string{"", "ipv4:2001:db8::1", "ipv6:192.0.2.1", "ipv4:x", "email:nobody", "fqdn:"} {
		if _, err := ParseIdentity(bad); !errors.Is(err, ErrBadIdentity) {
			t.Errorf("ParseIdentity(%q) err = %v", bad, err)
		}
	}
}

func TestIdentityStringOddData(t *testing.T) {
	dn := dnIdentity(t, pkix.Name{CommonName: "alice", Organization: []string{"Example"}})
	if got := dn.String(); got != "dn:CN=alice,O=Example" {
		t.Errorf("dn: %s", got)
	}
	for _, tt := range []struct {
		id   Identity
		want string
	}{
		{Identity{Type: wire.IDKeyID, Data: []byte{0, 1}}, "id11:0001"},
		{Identity{Type: wire.IDIPv4, Data: []byte{1, 2, 3}}, "id1:010203"},
		{Identity{Type: wire.IDDERDN, Data: []byte{0x30}}, "id9:30"},
		{Identity{Type: wire.IDFQDN, Data: []byte("a\nb")}, "id2:610a62"},
	} {
		if got := tt.id.String(); got != tt.want {
			t.Errorf("%v: got %s, want %s", tt.id.Data, got, tt.want)
		}
	}
	p := &wire.ID{IDType: wire.IDFQDN, Data: []byte("gw.example.com")}
	id := IdentityFromPayload(p)
	p.Data[0] = 'x'
	if id.String() != "fqdn:gw.example.com" {
		t.Errorf("payload identity aliases the message: %s", id)
	}
}

func FuzzIdentityPattern(f *testing.F) {
	f.Add("fqdn:*.example.com", uint8(2), []byte("a.example.com"))
	f.Add("email:*@example.com", uint8(3), []byte("u@example.com"))
	f.Add("keyid:abc", uint8(11), []byte("abc"))
	f.Fuzz(func(t *testing.T, pattern string, typ uint8, data []byte) {
		p, err := ParseIdentityPattern(pattern)
		if err != nil {
			return
		}
		id := Identity{Type: wire.IDType(typ), Data: data}
		if p.Match(id) && p.Wildcard() && !printable(data) {
			t.Fatalf("wildcard matched non-text %x", data)
		}
		if !p.Wildcard() {
			exact, err := ParseIdentity(pattern)
			if err == nil && p.Match(exact) != true {
				t.Fatalf("exact pattern %q does not match itself", pattern)
			}
		}
	})
}

// The engine's identity type converts to ours directly; this keeps the
// two shapes from drifting apart.
func TestIdentityConvertsFromEngine(t *testing.T) {
	id := Identity(ike.FQDNIdentity("client.example.com"))
	if id.String() != "fqdn:client.example.com" {
		t.Fatal(id)
	}
}
