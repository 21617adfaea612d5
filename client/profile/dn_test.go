package profile

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"reflect"
	"strings"
	"testing"
)

func TestParseDNOrderEscapesAndMultiValue(t *testing.T) {
	cn, o, c, ou := asn1.ObjectIdentifier{2, 5, 4, 3}, asn1.ObjectIdentifier{2, 5, 4, 10}, asn1.ObjectIdentifier{2, 5, 4, 6}, asn1.ObjectIdentifier{2, 5, 4, 11}
	for _, tc := range []struct {
		in   string
		want pkix.RDNSequence // certificate order: most significant first
	}{
		{"CN=gw.example.com,O=Example,C=US", pkix.RDNSequence{{{Type: c, Value: "US"}}, {{Type: o, Value: "Example"}}, {{Type: cn, Value: "gw.example.com"}}}},
		{" cn = gw , o = Example Inc. ", pkix.RDNSequence{{{Type: o, Value: "Example Inc."}}, {{Type: cn, Value: "gw"}}}},
		{`CN=Smith\, John,O=A\+B`, pkix.RDNSequence{{{Type: o, Value: "A+B"}}, {{Type: cn, Value: "Smith, John"}}}},
		{`CN="Smith, John";O=x`, pkix.RDNSequence{{{Type: o, Value: "x"}}, {{Type: cn, Value: "Smith, John"}}}},
		{`CN=caf\c3\a9`, pkix.RDNSequence{{{Type: cn, Value: "café"}}}},
		{`CN=a\ `, pkix.RDNSequence{{{Type: cn, Value: "a "}}}},
		{"OU=x+CN=y,O=z", pkix.RDNSequence{{{Type: o, Value: "z"}}, {{Type: ou, Value: "x"}, {Type: cn, Value: "y"}}}},
		{"2.5.4.3=oid", pkix.RDNSequence{{{Type: cn, Value: "oid"}}}},
	} {
		got, err := ParseDN(tc.in)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseDN(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseDNRefusesWithTheReason(t *testing.T) {
	for in, why := range map[string]string{
		"":               "empty",
		"CN":             "no '='",
		"XX=1":           "unknown attribute type",
		"=x":             "type is missing",
		"CN=":            "value is empty",
		"CN=a,":          "ends with",
		`CN=a\q`:         "bad escape",
		`CN="a`:          "closing",
		`CN="a"b`:        "unexpected",
		"CN=#0403616263": "hex-encoded",
		`CN=\ff`:         "UTF-8",
		"CN=a,O=b,,C=US": "unknown attribute type",
		"1.2.x=a":        "unknown attribute type",
		"7.0=00":         "unknown attribute type", // found by FuzzParseDN: not an OID asn1 encodes
		"1.40=x":         "unknown attribute type",
	} {
		if _, err := ParseDN(in); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("ParseDN(%q) = %v, want an error saying %q", in, err, why)
		}
	}
}

func TestFormatDNReadsBack(t *testing.T) {
	for _, in := range []string{"CN=gw.example.com,O=Example,C=US", `CN=Smith\, John+UID=js,DC=example,DC=com`, `CN=\#1\ `, "E=a@b.example,1.2.3.4=x"} {
		rdns, err := ParseDN(in)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		out := FormatDN(rdns)
		if out != in {
			t.Errorf("FormatDN(ParseDN(%q)) = %q", in, out)
		}
	}
}

func FuzzParseDN(f *testing.F) {
	for _, s := range []string{"CN=gw,O=Example,C=US", `CN="a,b"+OU=x`, `CN=\41\ `, "2.5.4.3=x;O=y", `CN=a\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rdns, err := ParseDN(s)
		if err != nil {
			return
		}
		again, err := ParseDN(FormatDN(rdns))
		if err != nil || !reflect.DeepEqual(again, rdns) {
			t.Fatalf("%q → %q → %v, %v; want %v", s, FormatDN(rdns), again, err, rdns)
		}
		if _, err := asn1.Marshal(rdns); err != nil {
			t.Fatalf("%q parses but does not encode: %v", s, err)
		}
	})
}
