package server

import (
	"errors"
	"net/netip"
	"testing"
)

func peer(t *testing.T, name, addr, id string) KeyringPeer {
	t.Helper()
	p := KeyringPeer{Name: name, Key: PSK{Local: []byte(name), Remote: []byte(name)}}
	if addr != "" {
		p.Address = netip.MustParsePrefix(addr)
	}
	if id != "" {
		pat, err := ParseIdentityPattern(id)
		if err != nil {
			t.Fatal(err)
		}
		p.Identity = pat
	}
	return p
}

func TestKeyringLookup(t *testing.T) {
	// The seed's example (L1055-1084): wildcard, a /16 and a host key; the
	// host key wins regardless of order.
	kr, err := NewKeyring([]KeyringPeer{
		peer(t, "wild4", "0.0.0.0/0", ""),
		peer(t, "net16", "198.51.0.0/16", ""),
		peer(t, "host", "198.51.100.1/32", ""),
		peer(t, "wild6", "::/0", ""),
		peer(t, "v6net", "2001:db8:1::/48", ""),
		peer(t, "exact-fqdn", "", "fqdn:branch1.example.com"),
		peer(t, "dom", "", "fqdn:*.example.com"),
		peer(t, "subdom", "", "fqdn:*.eng.example.com"),
		peer(t, "mail", "", "email:*@example.com"),
		peer(t, "alice", "", "email:alice@example.com"),
		peer(t, "keyid", "", "keyid:abc"),
		peer(t, "both", "203.0.113.0/24", "fqdn:both.example.net"),
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id, addr, want string
	}{
		{"ipv4:192.0.2.1", "198.51.100.1", "host"},
		{"ipv4:192.0.2.1", "198.51.100.2", "net16"},
		{"ipv4:192.0.2.1", "192.0.2.1", "wild4"},
		{"ipv4:192.0.2.1", "::ffff:198.51.100.1", "host"},
		{"ipv6:2001:db8::1", "2001:db8:1::5", "v6net"},
		{"ipv6:2001:db8::1", "2001:db8:2::5", "wild6"},
		// Identity beats address.
		{"fqdn:branch1.example.com", "198.51.100.1", "exact-fqdn"},
		{"fqdn:BRANCH1.Example.COM", "198.51.100.1", "exact-fqdn"},
		{"fqdn:branch2.example.com", "198.51.100.1", "dom"},
		{"fqdn:a.eng.example.com", "198.51.100.1", "subdom"},
		{"fqdn:example.com", "198.51.100.1", "host"}, // *.example.com needs a host part
		{"fqdn:evilexample.com", "192.0.2.5", "wild4"},
		{"email:bob@example.com", "192.0.2.5", "mail"},
		{"email:alice@example.com", "192.0.2.5", "alice"},
		{"email:bob@example.org", "192.0.2.5", "wild4"},
		{"keyid:abc", "192.0.2.5", "keyid"},
		{"keyid:ABC", "192.0.2.5", "wild4"}, // key IDs compare exactly
		{"fqdn:both.example.net", "192.0.2.5", "both"},
		{"fqdn:other.example.net", "203.0.113.9", "both"},
	}
	for _, tt := range tests {
		p, ok := kr.Lookup(mustID(t, tt.id), netip.MustParseAddr(tt.addr))
		if !ok || p.Name != tt.want {
			t.Errorf("Lookup(%s, %s) = %v, %v; want %s", tt.id, tt.addr, p, ok, tt.want)
		}
	}
}

func TestKeyringNoMatch(t *testing.T) {
	kr, err := NewKeyring([]KeyringPeer{peer(t, "net", "198.51.100.0/24", ""), peer(t, "d", "", "fqdn:*.example.com")})
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := kr.Lookup(mustID(t, "fqdn:host.example.org"), netip.MustParseAddr("192.0.2.1")); ok {
		t.Fatalf("unexpected match %q", p.Name)
	}
	var nilKR *Keyring
	if _, ok := nilKR.Lookup(mustID(t, "fqdn:x.example.com"), netip.MustParseAddr("192.0.2.1")); ok {
		t.Fatal("nil keyring matched")
	}
}

func TestKeyringRejects(t *testing.T) {
	cases := map[string][]KeyringPeer{
		"dup identity": {peer(t, "a", "", "fqdn:x.example.com"), peer(t, "b", "", "fqdn:X.example.com")},
		"dup wildcard": {peer(t, "a", "", "email:*@example.com"), peer(t, "b", "", "email:*@example.com")},
		"dup prefix":   {peer(t, "a", "198.51.100.0/24", ""), peer(t, "b", "198.51.100.7/24", "")},
		"empty":        {{Name: "a"}},
	}
	for name, peers := range cases {
		if _, err := NewKeyring(peers); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: err = %v, want ErrConfig", name, err)
		}
	}
}

func TestParseIdentityPattern(t *testing.T) {
	for _, bad := range []string{"fqdn:*", "fqdn:*example.com", "email:*.example.com", "keyid:*x", "ipv4:300.1.1.1", ""} {
		if _, err := ParseIdentityPattern(bad); err == nil {
			t.Errorf("ParseIdentityPattern(%q) succeeded", bad)
		}
	}
}
