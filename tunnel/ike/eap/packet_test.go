package eap

import (
	"bytes"
	"errors"
	"testing"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want Packet
		err  error
	}{
		{"identity request", []byte{1, 7, 0, 5, 1}, Packet{Code: CodeRequest, Identifier: 7, Type: TypeIdentity, Data: []byte{}}, nil},
		{"identity response", []byte{2, 7, 0, 10, 1, 'a', 'l', 'i', 'c', 'e'}, Packet{Code: CodeResponse, Identifier: 7, Type: TypeIdentity, Data: []byte("alice")}, nil},
		{"padding after Length ignored", []byte{2, 7, 0, 6, 3, 26, 0xff, 0xff}, Packet{Code: CodeResponse, Identifier: 7, Type: TypeNak, Data: []byte{26}}, nil},
		{"success", []byte{3, 9, 0, 4}, Packet{Code: CodeSuccess, Identifier: 9}, nil},
		{"failure with stray data", []byte{4, 9, 0, 5, 0}, Packet{Code: CodeFailure, Identifier: 9}, nil},
		{"empty", nil, Packet{}, ErrMalformed},
		{"short header", []byte{1, 2, 0}, Packet{}, ErrMalformed},
		{"length below header", []byte{1, 2, 0, 3, 1}, Packet{}, ErrMalformed},
		{"length beyond data", []byte{1, 2, 0, 9, 1}, Packet{}, ErrMalformed},
		{"request without type", []byte{1, 2, 0, 4}, Packet{}, ErrMalformed},
		{"unknown code", []byte{5, 2, 0, 5, 1}, Packet{}, ErrMalformed},
		{"code zero", []byte{0, 2, 0, 4}, Packet{}, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(tt.in)
			if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Fatalf("err %v, want %v", err, tt.err)
			}
			if got.Code != tt.want.Code || got.Identifier != tt.want.Identifier || got.Type != tt.want.Type || !bytes.Equal(got.Data, tt.want.Data) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	for _, p := range []Packet{
		{Code: CodeRequest, Identifier: 1, Type: TypeMD5, Data: []byte{16, 1, 2}},
		{Code: CodeResponse, Identifier: 255, Type: TypeNak, Data: []byte{26, 4, 6}},
		{Code: CodeSuccess, Identifier: 3},
		{Code: CodeFailure, Identifier: 4, Type: TypeGTC, Data: []byte("dropped")},
	} {
		b, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != p.Len() || int(b[2])<<8|int(b[3]) != len(b) {
			t.Fatalf("%v: Length field wrong in %x", p, b)
		}
		q, err := Decode(b)
		if err != nil || q.Code != p.Code || q.Identifier != p.Identifier {
			t.Fatalf("%v: round trip %+v %v", p, q, err)
		}
	}
	if _, err := (Packet{Code: CodeRequest, Type: TypeGTC, Data: make([]byte, maxLength)}).Marshal(); !errors.Is(err, ErrMalformed) {
		t.Fatalf("oversized packet: %v", err)
	}
	if _, err := (Packet{Code: 9}).Marshal(); !errors.Is(err, ErrMalformed) {
		t.Fatalf("unknown code: %v", err)
	}
}

func TestParseNak(t *testing.T) {
	for _, tt := range []struct {
		name string
		p    Packet
		want []Type
		err  error
	}{
		{"legacy", Packet{Type: TypeNak, Data: []byte{6, 26}}, []Type{TypeGTC, TypeMSCHAPv2}, nil},
		{"legacy no alternative", Packet{Type: TypeNak, Data: []byte{0}}, []Type{}, nil},
		{"legacy empty", Packet{Type: TypeNak}, nil, ErrMalformed},
		{"expanded", Packet{Type: TypeExpanded, Data: []byte{0, 0, 0, 0, 0, 0, 3, 254, 0, 0, 0, 0, 0, 0, 4, 254, 0, 0, 9, 0, 0, 0, 1}}, []Type{TypeMD5}, nil},
		{"expanded not a Nak", Packet{Type: TypeExpanded, Data: []byte{0, 0, 0, 0, 0, 0, 1}}, nil, ErrUnexpected},
		{"expanded truncated entry", Packet{Type: TypeExpanded, Data: []byte{0, 0, 0, 0, 0, 0, 3, 254, 0}}, nil, ErrMalformed},
		{"expanded bad entry type", Packet{Type: TypeExpanded, Data: []byte{0, 0, 0, 0, 0, 0, 3, 4, 0, 0, 0, 0, 0, 0, 4}}, nil, ErrMalformed},
	} {
		got, err := parseNak(tt.p)
		if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) || len(got) != len(tt.want) {
			t.Fatalf("%s: got %v, %v; want %v, %v", tt.name, got, err, tt.want, tt.err)
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Fatalf("%s: got %v, want %v", tt.name, got, tt.want)
			}
		}
	}
}

func TestParseMSCHAPv2Messages(t *testing.T) {
	if _, err := parseMS([]byte{1, 2}); !errors.Is(err, ErrMalformed) {
		t.Fatal("short MS-CHAPv2 header accepted")
	}
	if _, err := parseMS([]byte{1, 2, 0, 9, 0}); !errors.Is(err, ErrMalformed) {
		t.Fatal("MS-Length beyond data accepted")
	}
	if _, err := parseMSChallenge([]byte{8, 1, 2, 3, 4, 5, 6, 7, 8}); !errors.Is(err, ErrMalformed) {
		t.Fatal("8-octet challenge accepted")
	}
	if _, err := parseMSResponse(make([]byte, 49)); !errors.Is(err, ErrMalformed) {
		t.Fatal("short response accepted")
	}
	if _, err := parseMSSuccess([]byte("M=hello")); !errors.Is(err, ErrMalformed) {
		t.Fatal("success without S= accepted")
	}
	f, err := parseMSFailure([]byte("E=691 R=1 C=00112233445566778899AABBCCDDEEFF V=3 M=try again later"))
	if err != nil || f.Code != 691 || !f.Retry || len(f.Challenge) != 16 || f.Message != "try again later" {
		t.Fatalf("failure parse %+v %v", f, err)
	}
	// Our own failure message parses back.
	m, _ := parseMS(buildMSFailure(3, 691, bytes.Repeat([]byte{0xab}, 16), "Authentication failed"))
	f, err = parseMSFailure(m.Body)
	if err != nil || f.Code != 691 || f.Retry || f.Message != "Authentication failed" || f.Challenge[0] != 0xab {
		t.Fatalf("own failure round trip %+v %v", f, err)
	}
}

func BenchmarkDecode(b *testing.B) {
	in := []byte{2, 7, 0, 10, 1, 'a', 'l', 'i', 'c', 'e'}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppend(b *testing.B) {
	p := Packet{Code: CodeResponse, Identifier: 7, Type: TypeIdentity, Data: []byte("alice")}
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = p.Append(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}
