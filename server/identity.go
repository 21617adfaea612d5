package server

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"

	"flexvpn/tunnel/ike"
	"flexvpn/tunnel/ike/wire"
)

// Identity is an IKE identity as carried in IDi/IDr: a type and the raw
// identification data. Data is not copied; callers that keep an Identity
// beyond the message's lifetime must own the bytes.
type Identity struct {
	Type wire.IDType
	Data []byte
}

// identity type names used in configuration strings and in String.
var idTypeNames = map[string]wire.IDType{
	"ipv4":  wire.IDIPv4,
	"ipv6":  wire.IDIPv6,
	"fqdn":  wire.IDFQDN,
	"email": wire.IDRFC822,
	"keyid": wire.IDKeyID,
}

// ParseIdentity parses a configuration identity string: "fqdn:vpn.example.com",
// "email:user@example.com", "ipv4:192.0.2.1", "ipv6:2001:db8::1" or
// "keyid:text". Without a type prefix the type is guessed the way a person
// would: an IP address, else an email address if it has '@', else an FQDN.
// Distinguished names are not parsed here: they come from certificates.
func ParseIdentity(s string) (Identity, error) {
	if s == "" {
		return Identity{}, fmt.Errorf("%w: empty", ErrBadIdentity)
	}
	if typ, val, ok := strings.Cut(s, ":"); ok {
		if t, known := idTypeNames[strings.ToLower(typ)]; known {
			return typedIdentity(t, val)
		}
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return addrIdentity(a), nil
	}
	if strings.Contains(s, "@") {
		return typedIdentity(wire.IDRFC822, s)
	}
	return typedIdentity(wire.IDFQDN, s)
}

func typedIdentity(t wire.IDType, val string) (Identity, error) {
	if val == "" {
		return Identity{}, fmt.Errorf("%w: empty value", ErrBadIdentity)
	}
	switch t {
	case wire.IDIPv4, wire.IDIPv6:
		a, err := netip.ParseAddr(val)
		if err != nil || (t == wire.IDIPv4) != a.Is4() {
			return Identity{}, fmt.Errorf("%w: %q is not an %s address", ErrBadIdentity, val, typeName(t))
		}
		return addrIdentity(a), nil
	case wire.IDRFC822:
		if !strings.Contains(val, "@") {
			return Identity{}, fmt.Errorf("%w: %q is not an email address", ErrBadIdentity, val)
		}
	}
	return Identity{Type: t, Data: []byte(val)}, nil
}

func addrIdentity(a netip.Addr) Identity {
	a = a.Unmap()
	if a.Is4() {
		b := a.As4()
		return Identity{Type: wire.IDIPv4, Data: b[:]}
	}
	b := a.As16()
	return Identity{Type: wire.IDIPv6, Data: b[:]}
}

// Addr returns the address of an IPv4 or IPv6 identity.
func (id Identity) Addr() (netip.Addr, bool) {
	switch {
	case id.Type == wire.IDIPv4 && len(id.Data) == 4:
		return netip.AddrFrom4([4]byte(id.Data)), true
	case id.Type == wire.IDIPv6 && len(id.Data) == 16:
		return netip.AddrFrom16([16]byte(id.Data)), true
	}
	return netip.Addr{}, false
}

// DN parses a DER_ASN1_DN identity. It never panics on bad input.
func (id Identity) DN() (pkix.RDNSequence, bool) {
	if id.Type != wire.IDDERDN {
		return nil, false
	}
	var rdns pkix.RDNSequence
	rest, err := asn1.Unmarshal(id.Data, &rdns)
	if err != nil || len(rest) != 0 {
		return nil, false
	}
	return rdns, true
}

// String renders the identity as "type:value", the form configuration,
// logs and the session registry use. Key IDs that are not printable text
// and malformed data are shown in hex.
func (id Identity) String() string {
	switch id.Type {
	case wire.IDIPv4, wire.IDIPv6:
		if a, ok := id.Addr(); ok {
			return typeName(id.Type) + ":" + a.String()
		}
	case wire.IDFQDN, wire.IDRFC822, wire.IDKeyID:
		if printable(id.Data) {
			return typeName(id.Type) + ":" + string(id.Data)
		}
	case wire.IDDERDN:
		// The engine renders names; one rendering keeps logs and the
		// session registry agreeing.
		if s, ok := ike.FormatDN(id.Data); ok {
			return "dn:" + s
		}
	}
	return fmt.Sprintf("id%d:%s", id.Type, hex.EncodeToString(id.Data))
}

func typeName(t wire.IDType) string {
	for name, v := range idTypeNames {
		if v == t {
			return name
		}
	}
	return fmt.Sprintf("id%d", t)
}

func printable(b []byte) bool {
	if len(b) == 0 || !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// IdentityFromPayload returns the identity an IDi/IDr payload carries.
// The data is copied, so the Identity outlives the message buffer.
func IdentityFromPayload(p *wire.ID) Identity {
	return Identity{Type: p.IDType, Data: append([]byte(nil), p.Data...)}
}
