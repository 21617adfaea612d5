package ike

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
	"testing"

	"flexvpn/test/pki"
)

var (
	oidCN = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidO  = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidOU = asn1.ObjectIdentifier{2, 5, 4, 11}
	oidC  = asn1.ObjectIdentifier{2, 5, 4, 6}
)

// atv is one attribute for dnDER.
type atv struct {
	oid   asn1.ObjectIdentifier
	value string
}

// dnDER encodes a DN whose values all use the string type tag; each
// argument is one RDN (several attributes make a multi-valued one).
func dnDER(t testing.TB, tag int, rdns ...[]atv) []byte {
	t.Helper()
	seq := make(pkix.RDNSequence, 0, len(rdns))
	for _, rdn := range rdns {
		set := make(pkix.RelativeDistinguishedNameSET, 0, len(rdn))
		for _, a := range rdn {
			set = append(set, pkix.AttributeTypeAndValue{Type: a.oid,
				Value: asn1.RawValue{Class: asn1.ClassUniversal, Tag: tag, Bytes: []byte(a.value)}})
		}
		seq = append(seq, set)
	}
	der, err := asn1.Marshal(seq)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func one(oid asn1.ObjectIdentifier, v string) []atv { return []atv{{oid, v}} }

func TestEqualDNAcrossStringTypes(t *testing.T) {
	rdns := [][]atv{one(oidC, "DE"), one(oidO, "Example Corp"), one(oidCN, "alice")}
	printable := dnDER(t, asn1.TagPrintableString, rdns...)
	utf8 := dnDER(t, asn1.TagUTF8String, rdns...)
	if bytes.Equal(printable, utf8) {
		t.Fatal("test DNs are byte-identical; nothing is tested")
	}
	for _, other := range [][]byte{utf8, dnDER(t, asn1.TagIA5String, rdns...), dnDER(t, asn1.TagT61String, rdns...)} {
		if !DNIdentity(printable).Equal(DNIdentity(other)) || !DNIdentity(other).Equal(DNIdentity(printable)) {
			t.Errorf("%x and %x differ only in string types but compare unequal", printable, other)
		}
	}
	// Multi-valued RDN in another order; surrounding spaces trimmed.
	a := dnDER(t, asn1.TagPrintableString, []atv{{oidO, "Example Corp"}, {oidOU, "VPN"}}, one(oidCN, "alice"))
	b := dnDER(t, asn1.TagUTF8String, []atv{{oidOU, "VPN"}, {oidO, "Example Corp "}}, one(oidCN, " alice"))
	if !equalDN(a, b) {
		t.Error("multi-valued RDN in another order compares unequal")
	}
	// Each attribute matches one of the other RDN's, not the same one twice.
	twice := dnDER(t, asn1.TagPrintableString, []atv{{oidOU, "VPN"}, {oidOU, "VPN"}})
	mixed := dnDER(t, asn1.TagUTF8String, []atv{{oidOU, "VPN"}, {oidOU, "Lab"}})
	if equalDN(twice, mixed) || equalDN(mixed, twice) {
		t.Error("RDN {OU=VPN, OU=VPN} equals {OU=VPN, OU=Lab}")
	}
}

func TestEqualDNDifferentNames(t *testing.T) {
	base := dnDER(t, asn1.TagPrintableString, one(oidO, "Example Corp"), one(oidCN, "alice"))
	for name, other := range map[string][]byte{
		"value":        dnDER(t, asn1.TagUTF8String, one(oidO, "Example Corp"), one(oidCN, "bob")),
		"case":         dnDER(t, asn1.TagUTF8String, one(oidO, "Example Corp"), one(oidCN, "Alice")),
		"inner space":  dnDER(t, asn1.TagUTF8String, one(oidO, "Example  Corp"), one(oidCN, "alice")),
		"type":         dnDER(t, asn1.TagUTF8String, one(oidOU, "Example Corp"), one(oidCN, "alice")),
		"order":        dnDER(t, asn1.TagUTF8String, one(oidCN, "alice"), one(oidO, "Example Corp")),
		"extra RDN":    dnDER(t, asn1.TagUTF8String, one(oidO, "Example Corp"), one(oidCN, "alice"), one(oidC, "DE")),
		"merged RDNs":  dnDER(t, asn1.TagUTF8String, []atv{{oidO, "Example Corp"}, {oidCN, "alice"}}),
		"duplicate":    dnDER(t, asn1.TagUTF8String, one(oidO, "Example Corp"), []atv{{oidCN, "alice"}, {oidCN, "alice"}}),
		"fewer RDNs":   dnDER(t, asn1.TagUTF8String, one(oidCN, "alice")),
		"empty":        dnDER(t, asn1.TagUTF8String),
		"trailing":     append(bytes.Clone(base), 0),
		"garbage":      []byte("CN=alice,O=Example Corp"),
		"nothing":      nil,
		"octet string": dnDER(t, asn1.TagOctetString, one(oidO, "Example Corp"), one(oidCN, "alice")),
	} {
		if equalDN(base, other) || equalDN(other, base) {
			t.Errorf("%s: %x equals %x", name, base, other)
		}
	}
}

// TestEqualDNFallsBackToBytes: what does not parse as a DN of strings
// is equal only to the same bytes. Values of a type encoding/asn1 does
// not decode (tag 29 here) all come out empty, so they must not be
// compared as strings.
func TestEqualDNFallsBackToBytes(t *testing.T) {
	garbage := []byte{0x30, 0x03, 0x31, 0x01}
	if !equalDN(garbage, bytes.Clone(garbage)) || equalDN(garbage, []byte{0x30, 0x03, 0x31, 0x01, 0x00}) {
		t.Error("unparsable DNs do not compare byte for byte")
	}
	unknownA := dnDER(t, 29, one(oidCN, "alice"))
	unknownB := dnDER(t, 29, one(oidCN, "bob"))
	if equalDN(unknownA, unknownB) {
		t.Error("two DNs with undecodable values of different content compare equal")
	}
	if !equalDN(unknownA, bytes.Clone(unknownA)) {
		t.Error("a DN with undecodable values differs from itself")
	}
}

// TestCertMatchesReencodedSubject: a peer that sends the certificate's
// subject with other string types still matches the certificate.
func TestCertMatchesReencodedSubject(t *testing.T) {
	_, gw, _ := certPair(t, pki.ECDSAP256)
	var subject pkix.RDNSequence
	if _, err := asn1.Unmarshal(gw.Cert.RawSubject, &subject); err != nil {
		t.Fatal(err)
	}
	var rdns [][]atv
	for _, rdn := range subject {
		var r []atv
		for _, a := range rdn {
			r = append(r, atv{a.Type, a.Value.(string)})
		}
		rdns = append(rdns, r)
	}
	utf8 := dnDER(t, asn1.TagUTF8String, rdns...)
	if bytes.Equal(utf8, gw.Cert.RawSubject) {
		t.Fatal("the certificate subject is already UTF8String; nothing is tested")
	}
	if err := certMatchesIdentity(gw.Cert, DNIdentity(utf8)); err != nil {
		t.Error(err)
	}
	rdns[len(rdns)-1][0].value += "x"
	if err := certMatchesIdentity(gw.Cert, DNIdentity(dnDER(t, asn1.TagUTF8String, rdns...))); err == nil {
		t.Error("a DN with another value matched the certificate")
	}
}

// FuzzEqualDN: the comparison never panics, and is reflexive and
// symmetric on any input.
func FuzzEqualDN(f *testing.F) {
	f.Add(dnDER(f, asn1.TagPrintableString, one(oidCN, "alice")), dnDER(f, asn1.TagUTF8String, one(oidCN, "alice")))
	f.Add(dnDER(f, asn1.TagUTF8String, []atv{{oidO, "x"}, {oidOU, "y"}}), dnDER(f, asn1.TagIA5String, []atv{{oidOU, "y"}, {oidO, "x"}}))
	f.Add([]byte{0x30, 0x00}, []byte{0x30, 0x03, 0x31, 0x01})
	f.Add(dnDER(f, 29, one(oidCN, "a")), dnDER(f, 29, one(oidCN, "b")))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		ab, ba := equalDN(a, b), equalDN(b, a)
		if ab != ba {
			t.Fatalf("equalDN not symmetric: %v / %v", ab, ba)
		}
		if !equalDN(a, a) || !equalDN(b, b) {
			t.Fatal("equalDN not reflexive")
		}
		if bytes.Equal(a, b) && !ab {
			t.Fatal("identical bytes compare unequal")
		}
		if DNIdentity(a).Equal(DNIdentity(b)) != ab {
			t.Fatal("Identity.Equal disagrees with equalDN")
		}
	})
}
