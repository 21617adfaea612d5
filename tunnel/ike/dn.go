package ike

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
	"strings"
)

// Distinguished names (ID_DER_ASN1_DN) are compared by meaning rather
// than byte for byte: the same name arrives as UTF8String from one
// implementation and PrintableString from another or from a
// certificate's subject, and a byte comparison would then refuse a
// peer that is who it says it is.
//
// Two DNs are equal when they have the same RDNs in the same order and
// each RDN holds the same attributes (in any order, as a SET may be
// sorted differently once the value encodings differ): the same type
// OID and the same string value. Values compare case-sensitively after
// trimming leading and trailing white space; the rest of the RFC 4518
// string preparation (case folding, inner-space collapsing, Unicode
// normalisation) is deliberately not done, so a mismatch there fails
// closed. A DN that does not parse, has trailing bytes, or has a
// value that is not a string (encoding/asn1 leaves unknown types
// empty, which would make any two of them look alike) is compared
// byte for byte.

// equalDN reports whether the DER DNs a and b name the same entity.
func equalDN(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	x, okx := parseStringDN(a)
	y, oky := parseStringDN(b)
	if !okx || !oky || len(x) != len(y) {
		return false
	}
	for i := range x {
		if !equalRDN(x[i], y[i]) {
			return false
		}
	}
	return true
}

// parseStringDN parses der as an RDNSequence whose values are all strings.
func parseStringDN(der []byte) (pkix.RDNSequence, bool) {
	var rdns pkix.RDNSequence
	rest, err := asn1.Unmarshal(der, &rdns)
	if err != nil || len(rest) != 0 {
		return nil, false
	}
	for _, rdn := range rdns {
		for _, atv := range rdn {
			if _, ok := atv.Value.(string); !ok {
				return nil, false
			}
		}
	}
	return rdns, true
}

// equalRDN matches the attributes of two RDNs one to one, in any order.
func equalRDN(a, b pkix.RelativeDistinguishedNameSET) bool {
	if len(a) != len(b) {
		return false
	}
	used := make([]bool, len(b))
	for _, x := range a {
		j := matchATV(x, b, used)
		if j < 0 {
			return false
		}
		used[j] = true
	}
	return true
}

// matchATV returns the index of the first unused attribute of set equal
// to x, or -1.
func matchATV(x pkix.AttributeTypeAndValue, set []pkix.AttributeTypeAndValue, used []bool) int {
	for j, y := range set {
		if !used[j] && x.Type.Equal(y.Type) && dnValue(x) == dnValue(y) {
			return j
		}
	}
	return -1
}

// dnValue is an attribute's string value as compared; parseStringDN has
// checked that it is a string.
func dnValue(atv pkix.AttributeTypeAndValue) string {
	s, _ := atv.Value.(string)
	return strings.TrimSpace(s)
}
