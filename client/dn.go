package client

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"strings"

	"flexvpn/client/profile"
	"flexvpn/tunnel/ike"
	"flexvpn/tunnel/ike/wire"
)

// Distinguished-name identities (ID_DER_ASN1_DN, RFC 7296 3.5) carry the
// DER of an X.501 Name. Two encodings of one name rarely match byte for
// byte: OpenSSL and strongSwan write UTF8String where Go writes
// PrintableString, and people write names in either case. So the client
// compares names, not bytes (RFC 5280 7.1), and where a peer compares
// bytes it sends the exact DER of its certificate's subject.

// dnIdentity encodes a name as written in a profile.
func dnIdentity(s string) (ike.Identity, error) {
	rdns, err := profile.ParseDN(s)
	if err != nil {
		return ike.Identity{}, fmt.Errorf("%q is not a distinguished name: %w", s, err)
	}
	der, err := asn1.Marshal(rdns)
	if err != nil {
		return ike.Identity{}, fmt.Errorf("%q cannot be encoded: %w", s, err)
	}
	return ike.DNIdentity(der), nil
}

// parseDN decodes the DER of a name; ok is false for anything else, with
// trailing bytes included. It never panics: peers send these.
func parseDN(der []byte) (pkix.RDNSequence, bool) {
	var rdns pkix.RDNSequence
	rest, err := asn1.Unmarshal(der, &rdns)
	return rdns, err == nil && len(rest) == 0
}

// describeDN renders a DN identity's data for messages.
func describeDN(der []byte) string {
	if rdns, ok := parseDN(der); ok {
		return "dn:" + profile.FormatDN(rdns)
	}
	return fmt.Sprintf("an unreadable distinguished name (%d bytes)", len(der))
}

// sameDN compares two encoded names: the same RDNs in the same order,
// each with the same attributes in any order, string values equal
// ignoring case, string type and runs of spaces.
func sameDN(a, b []byte) bool {
	x, okx := parseDN(a)
	y, oky := parseDN(b)
	if !okx || !oky || len(x) != len(y) {
		return false
	}
	for i := range x {
		if !sameRDN(x[i], y[i]) {
			return false
		}
	}
	return true
}

func sameRDN(a, b pkix.RelativeDistinguishedNameSET) bool {
	if len(a) != len(b) {
		return false
	}
	used := make([]bool, len(b))
	for _, x := range a {
		found := false
		for j, y := range b {
			if !used[j] && x.Type.Equal(y.Type) && sameValue(x.Value, y.Value) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func sameValue(a, b any) bool {
	x, okx := a.(string)
	y, oky := b.(string)
	if !okx || !oky {
		return false // no certificate puts other types in a name we match
	}
	return strings.EqualFold(strings.Join(strings.Fields(x), " "), strings.Join(strings.Fields(y), " "))
}

// certSubjectIdentity returns the DER of leaf's subject when it is the
// name id stands for: a peer checks IDi against the certificate byte for
// byte (tunnel/ike does too), so the identity must be the subject's own
// encoding, not ours.
func certSubjectIdentity(id ike.Identity, leaf *x509.Certificate) (ike.Identity, error) {
	if !sameDN(id.Data, leaf.RawSubject) {
		return ike.Identity{}, fmt.Errorf("%s is not the subject of the certificate, which is %s; use that as the identity",
			describeDN(id.Data), describeDN(leaf.RawSubject))
	}
	return ike.DNIdentity(leaf.RawSubject), nil
}

// checkPeerDN verifies the gateway's authenticated identity against the
// expected name. tunnel/ike compares identities byte for byte, so a DN
// is not handed to it as RemoteID: it checks that the IDr is in the
// certificate (for a DN: the subject) and this checks the name.
func checkPeerDN(want []byte, got ike.Identity) error {
	if got.Type != wire.IDDERDN {
		return fmt.Errorf("%w: the gateway identified itself as %s, not by the distinguished name the profile expects (%s)",
			ike.ErrAuthFailed, got, describeDN(want))
	}
	if !sameDN(want, got.Data) {
		return fmt.Errorf("%w: the gateway is %s, not the expected %s", ike.ErrAuthFailed, describeDN(got.Data), describeDN(want))
	}
	return nil
}
