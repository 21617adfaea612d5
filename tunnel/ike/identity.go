package ike

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"

	"flexvpn/tunnel/ike/wire"
)

// Identity is an IKE identity: the ID payload type and its data.
type Identity struct {
	Type wire.IDType
	Data []byte
}

// IPIdentity returns an ID_IPV4_ADDR or ID_IPV6_ADDR identity.
func IPIdentity(a netip.Addr) Identity {
	a = a.Unmap()
	if a.Is4() {
		return Identity{Type: wire.IDIPv4, Data: a.AsSlice()}
	}
	return Identity{Type: wire.IDIPv6, Data: a.AsSlice()}
}

// FQDNIdentity returns an ID_FQDN identity.
func FQDNIdentity(name string) Identity { return Identity{Type: wire.IDFQDN, Data: []byte(name)} }

// EmailIdentity returns an ID_RFC822_ADDR identity.
func EmailIdentity(addr string) Identity { return Identity{Type: wire.IDRFC822, Data: []byte(addr)} }

// DNIdentity returns an ID_DER_ASN1_DN identity from a DER subject.
func DNIdentity(der []byte) Identity { return Identity{Type: wire.IDDERDN, Data: der} }

// KeyIDIdentity returns an ID_KEY_ID identity.
func KeyIDIdentity(id []byte) Identity { return Identity{Type: wire.IDKeyID, Data: id} }

// IsZero reports whether no identity is set.
func (id Identity) IsZero() bool { return id.Type == 0 && len(id.Data) == 0 }

// Equal compares type and data; FQDN and email compare case-insensitively,
// distinguished names by their attributes rather than their encoding
// (dn.go).
func (id Identity) Equal(o Identity) bool {
	if id.Type != o.Type {
		return false
	}
	switch id.Type {
	case wire.IDFQDN, wire.IDRFC822:
		return strings.EqualFold(string(id.Data), string(o.Data))
	case wire.IDDERDN:
		return equalDN(id.Data, o.Data)
	}
	return bytes.Equal(id.Data, o.Data)
}

// String renders the identity for logs and events. A distinguished name
// is shown in RFC 4514 form ("dn:CN=alice,O=Example") so people can read
// it; one that does not parse is shown in hex.
func (id Identity) String() string {
	switch id.Type {
	case wire.IDIPv4, wire.IDIPv6:
		if a, ok := netip.AddrFromSlice(id.Data); ok {
			return a.String()
		}
	case wire.IDFQDN, wire.IDRFC822:
		return string(id.Data)
	case wire.IDDERDN:
		if s, ok := FormatDN(id.Data); ok {
			return "dn:" + s
		}
		return "dn:" + hex.EncodeToString(id.Data)
	}
	return fmt.Sprintf("id(%d):%x", id.Type, id.Data)
}

// FormatDN renders the DER of a distinguished name in RFC 4514 string
// form, most significant RDN last as that RFC orders it; ok is false
// when der is not exactly one Name. Peers send these bytes, so it never
// panics; values that are not strings are shown as #hex by pkix.
func FormatDN(der []byte) (s string, ok bool) {
	var rdns pkix.RDNSequence
	rest, err := asn1.Unmarshal(der, &rdns)
	if err != nil || len(rest) != 0 {
		return "", false
	}
	var n pkix.Name
	n.FillFromRDNSequence(&rdns)
	return n.String(), true
}

// payload returns the ID payload carrying id.
func (id Identity) payload(responder bool) *wire.ID {
	return &wire.ID{Responder: responder, IDType: id.Type, Data: id.Data}
}

// idBody is the ID payload body the AUTH computation covers: type, three
// reserved bytes, data (RFC 7296 2.15).
func idBody(id Identity) []byte {
	b := make([]byte, 4, 4+len(id.Data))
	b[0] = byte(id.Type)
	return append(b, id.Data...)
}

// certMatchesIdentity reports whether the certificate proves id: an IP
// or FQDN or email must be a SAN, a DN must be the subject (whatever its
// string encodings, see equalDN), a key ID the subject key identifier.
func certMatchesIdentity(c *x509.Certificate, id Identity) error {
	switch id.Type {
	case wire.IDIPv4, wire.IDIPv6:
		a, _ := netip.AddrFromSlice(id.Data)
		for _, ip := range c.IPAddresses {
			if b, ok := netip.AddrFromSlice(ip); ok && b.Unmap() == a.Unmap() {
				return nil
			}
		}
	case wire.IDFQDN:
		for _, n := range c.DNSNames {
			if strings.EqualFold(n, string(id.Data)) {
				return nil
			}
		}
	case wire.IDRFC822:
		for _, e := range c.EmailAddresses {
			if strings.EqualFold(e, string(id.Data)) {
				return nil
			}
		}
	case wire.IDDERDN:
		if equalDN(c.RawSubject, id.Data) {
			return nil
		}
	case wire.IDKeyID:
		if len(c.SubjectKeyId) > 0 && bytes.Equal(c.SubjectKeyId, id.Data) {
			return nil
		}
	}
	return fmt.Errorf("%w: certificate %q does not contain identity %s", ErrAuthFailed, c.Subject.String(), id)
}
