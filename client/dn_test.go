package client

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"strings"
	"testing"

	"flexvpn/tunnel/ike"
	"flexvpn/tunnel/ike/wire"
)

func mustDER(t testing.TB, rdns pkix.RDNSequence) []byte {
	t.Helper()
	der, err := asn1.Marshal(rdns)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestParseIdentityDN(t *testing.T) {
	for _, in := range []string{"dn:CN=gw,O=Example", "DN: CN=gw, O=Example", "CN=gw,O=Example"} {
		id, err := ParseIdentity(in)
		if err != nil || id.Type != wire.IDDERDN {
			t.Fatalf("ParseIdentity(%q) = %v, %v", in, id, err)
		}
		if got := describeDN(id.Data); got != "dn:CN=gw,O=Example" {
			t.Errorf("ParseIdentity(%q) encodes %s", in, got)
		}
	}
	if _, err := ParseIdentity("dn:CN=gw,ZZ=1"); err == nil || !strings.Contains(err.Error(), "ZZ") {
		t.Errorf("bad DN: %v", err)
	}
}

func TestSameDN(t *testing.T) {
	cn, o := asn1.ObjectIdentifier{2, 5, 4, 3}, asn1.ObjectIdentifier{2, 5, 4, 10}
	utf8 := func(s string) asn1.RawValue { return asn1.RawValue{Tag: asn1.TagUTF8String, Bytes: []byte(s)} }
	printable := mustDER(t, pkix.RDNSequence{{{Type: o, Value: "Example"}}, {{Type: cn, Value: "gw"}}})
	for _, tc := range []struct {
		name string
		der  []byte
		same bool
	}{
		{"UTF8String", mustDER(t, pkix.RDNSequence{{{Type: o, Value: utf8("Example")}}, {{Type: cn, Value: utf8("gw")}}}), true},
		{"case and spaces", mustDER(t, pkix.RDNSequence{{{Type: o, Value: "EXAMPLE"}}, {{Type: cn, Value: " GW "}}}), true},
		{"reversed", mustDER(t, pkix.RDNSequence{{{Type: cn, Value: "gw"}}, {{Type: o, Value: "Example"}}}), false},
		{"other value", mustDER(t, pkix.RDNSequence{{{Type: o, Value: "Example"}}, {{Type: cn, Value: "gw2"}}}), false},
		{"missing RDN", mustDER(t, pkix.RDNSequence{{{Type: cn, Value: "gw"}}}), false},
		{"multi-valued", mustDER(t, pkix.RDNSequence{{{Type: o, Value: "Example"}, {Type: cn, Value: "gw"}}}), false},
		{"trailing bytes", append(append([]byte(nil), printable...), 0), false},
		{"not DER", []byte("CN=gw"), false},
	} {
		if got := sameDN(printable, tc.der); got != tc.same {
			t.Errorf("%s: sameDN = %v, want %v", tc.name, got, tc.same)
		}
	}
	ab := mustDER(t, pkix.RDNSequence{{{Type: o, Value: "a"}, {Type: cn, Value: "b"}}})
	ba := mustDER(t, pkix.RDNSequence{{{Type: cn, Value: "b"}, {Type: o, Value: "a"}}})
	if !sameDN(ab, ba) {
		t.Error("a multi-valued RDN is a set: the order of its attributes does not matter")
	}
}

func TestCheckPeerDN(t *testing.T) {
	want, _ := dnIdentity("CN=gw,O=Example")
	if err := checkPeerDN(want.Data, want); err != nil {
		t.Errorf("same name refused: %v", err)
	}
	for _, got := range []ike.Identity{ike.FQDNIdentity("gw"), mustID(t, "CN=evil,O=Example"), ike.DNIdentity([]byte{0x30, 0x80})} {
		if err := checkPeerDN(want.Data, got); !errors.Is(err, ike.ErrAuthFailed) || !strings.Contains(err.Error(), "dn:CN=gw,O=Example") {
			t.Errorf("peer %v: %v, want an authentication failure naming the expected name", got, err)
		}
	}
}

func mustID(t testing.TB, dn string) ike.Identity {
	t.Helper()
	id, err := dnIdentity(dn)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// FuzzSameDN: the gateway's IDr data is untrusted; comparing and
// describing it never panics, and a name equals itself.
func FuzzSameDN(f *testing.F) {
	f.Add(mustDER(f, pkix.RDNSequence{{{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "gw"}}}))
	f.Add([]byte{0x30, 0x03, 0x31, 0x01, 0x30})
	f.Add([]byte{0x30, 0x80})
	want := mustID(f, "CN=gw,O=Example")
	f.Fuzz(func(t *testing.T, der []byte) {
		_ = describeDN(der)
		_ = checkPeerDN(want.Data, ike.DNIdentity(der))
		if _, ok := parseDN(der); ok && !sameDN(der, der) {
			if rdns, _ := parseDN(der); allStrings(rdns) {
				t.Fatalf("%x is not the same as itself", der)
			}
		}
	})
}

func allStrings(rdns pkix.RDNSequence) bool {
	for _, rdn := range rdns {
		for _, atv := range rdn {
			if _, ok := atv.Value.(string); !ok {
				return false
			}
		}
	}
	return true
}

// TestOwnDNIsTheCertificateSubject: our IDi carries the certificate's
// own subject bytes (peers compare them byte for byte), and a name that
// is not the subject is refused with the subject to write instead.
func TestOwnDNIsTheCertificateSubject(t *testing.T) {
	utf8 := asn1.RawValue{Tag: asn1.TagUTF8String, Bytes: []byte("branch1")}
	leaf := &x509.Certificate{RawSubject: mustDER(t, pkix.RDNSequence{{{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: utf8}}})}
	id, err := certSubjectIdentity(mustID(t, "CN=Branch1"), leaf)
	if err != nil || !bytes.Equal(id.Data, leaf.RawSubject) {
		t.Fatalf("identity %x, %v; want the subject's bytes %x", id.Data, err, leaf.RawSubject)
	}
	if _, err := certSubjectIdentity(mustID(t, "CN=branch2"), leaf); err == nil || !strings.Contains(err.Error(), "dn:CN=branch1") {
		t.Fatalf("a name that is not the subject: %v", err)
	}
}
