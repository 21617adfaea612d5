package wire

import (
	"bytes"
	"net/netip"
	"reflect"
	"testing"
)

// Each case is one payload written by hand from its RFC diagram (generic
// header included, next payload 0), what it must decode to, and the check
// that it re-encodes to the same bytes.
func TestPayloadVectors(t *testing.T) {
	addr := netip.MustParseAddr
	tests := []struct {
		name  string
		typ   PayloadType
		wire  string
		check func(t *testing.T, p Payload)
	}{
		{"KE", PayloadKE, "00 00 000c 0013 0000 a1a2a3a4", func(t *testing.T, p Payload) {
			ke := p.(*KE)
			if ke.Group != KE_ECP256 || !bytes.Equal(ke.Data, []byte{0xa1, 0xa2, 0xa3, 0xa4}) {
				t.Fatalf("%+v", ke)
			}
		}},
		{"IDr FQDN", PayloadIDr, "00 00 000c 02 000000 67772e78", func(t *testing.T, p Payload) {
			id := p.(*ID)
			if !id.Responder || id.IDType != IDFQDN || string(id.Data) != "gw.x" {
				t.Fatalf("%+v", id)
			}
			if !bytes.Equal(id.Body(), hx(t, "02000000 67772e78")) {
				t.Fatalf("Body = %x", id.Body())
			}
		}},
		{"CERT", PayloadCERT, "00 00 0008 04 308201", func(t *testing.T, p Payload) {
			c := p.(*Cert)
			if c.Encoding != CertX509Signature || !bytes.Equal(c.Data, []byte{0x30, 0x82, 0x01}) {
				t.Fatalf("%+v", c)
			}
		}},
		{"CERTREQ two CAs", PayloadCERTREQ, "00 00 002d 04" + " 0101010101010101010101010101010101010101 0202020202020202020202020202020202020202", func(t *testing.T, p Payload) {
			hs, err := p.(*CertReq).AuthorityHashes()
			if err != nil || len(hs) != 2 || hs[1][19] != 2 {
				t.Fatalf("hashes %x %v", hs, err)
			}
		}},
		{"AUTH PSK", PayloadAUTH, "00 00 000a 02 000000 beef", func(t *testing.T, p Payload) {
			a := p.(*Auth)
			if a.Method != AuthSharedKey || !bytes.Equal(a.Data, []byte{0xbe, 0xef}) {
				t.Fatalf("%+v", a)
			}
		}},
		{"Nonce 16", PayloadNonce, "00 00 0014 000102030405060708090a0b0c0d0e0f", func(t *testing.T, p Payload) {
			if n := p.(*Nonce); len(n.Data) != 16 || n.Data[15] != 15 {
				t.Fatalf("%+v", n)
			}
		}},
		{"Notify REKEY_SA with ESP SPI", PayloadNotify, "00 00 000c 03 04 4009 c0a80001", func(t *testing.T, p Payload) {
			proto, spi, err := ParseRekeySA(p.(*Notify))
			if err != nil || proto != ProtoESP || !bytes.Equal(spi, []byte{0xc0, 0xa8, 0, 1}) {
				t.Fatalf("%v %x %v", proto, spi, err)
			}
		}},
		{"Delete IKE", PayloadDelete, "00 00 0008 01 00 0000", func(t *testing.T, p Payload) {
			if d := p.(*Delete); d.Protocol != ProtoIKE || len(d.SPIs) != 0 {
				t.Fatalf("%+v", d)
			}
		}},
		{"Delete two ESP", PayloadDelete, "00 00 0010 03 04 0002 11111111 22222222", func(t *testing.T, p Payload) {
			spis, err := p.(*Delete).ESPSPIs()
			if err != nil || !reflect.DeepEqual(spis, []uint32{0x11111111, 0x22222222}) {
				t.Fatalf("%x %v", spis, err)
			}
		}},
		{"Vendor ID", PayloadVendorID, "00 00 0014 4048b7d56ebce88525e7de7f00d6c2d3", func(t *testing.T, p Payload) {
			if !bytes.Equal(p.(*VendorID).Data, VIDCiscoFragmentation) {
				t.Fatal("cisco fragmentation VID mismatch")
			}
		}},
		{"TSi IPv4 and IPv6", PayloadTSi,
			"00 00 0040 02 000000" +
				" 07 06 0010 0000 ffff 0a000000 0affffff" + // TCP 10.0.0.0-10.255.255.255
				" 08 00 0028 0035 0035 20010db8000000000000000000000000 20010db8ffffffffffffffffffffffff",
			func(t *testing.T, p Payload) {
				ts := p.(*TS)
				s0, s1 := ts.Selectors[0], ts.Selectors[1]
				if ts.Responder || s0.IPProto != 6 || s0.Start != addr("10.0.0.0") || s0.End != addr("10.255.255.255") {
					t.Fatalf("%+v", s0)
				}
				if pf, ok := s1.Prefix(); !ok || pf.String() != "2001:db8::/32" || s1.StartPort != 53 || !s1.Contains(addr("2001:db8::1")) {
					t.Fatalf("%+v", s1)
				}
			}},
		{"TSr unknown selector type kept", PayloadTSr, "00 00 0014 01 000000 0d 00 000c 0000 ffff abcd1234", func(t *testing.T, p Payload) {
			s := p.(*TS).Selectors[0]
			if s.Type != 13 || !bytes.Equal(s.Raw, hx(t, "abcd1234")) || s.Start.IsValid() {
				t.Fatalf("%+v", s)
			}
		}},
		{"SA ESP with SPI and TLV attribute", PayloadSA,
			"00 00 0028 00 00 0024 01 03 04 02 deadbeef" +
				" 03 00 000c 01 00 000c 800e 0080" + // AES_CBC_128
				" 00 00 000c 03 00 000c 0017 0000", // HMAC_SHA2_256_128 with an empty TLV attribute 23
			func(t *testing.T, p Payload) {
				pr := p.(*SA).Proposals[0]
				if pr.Protocol != ProtoESP || !bytes.Equal(pr.SPI, hx(t, "deadbeef")) {
					t.Fatalf("%+v", pr)
				}
				if pr.String() != "ESP:AES_CBC_128/HMAC_SHA2_256_128" {
					t.Fatalf("String = %s", pr)
				}
				integ := pr.Get(TransformINTEG)
				if len(integ) != 1 || len(integ[0].Attributes) != 1 || integ[0].Attributes[0].Type != 23 || integ[0].Attributes[0].TV {
					t.Fatalf("integ = %+v", integ)
				}
				if !pr.Has(TransformENCR, ENCR_AES_CBC) || pr.Has(TransformENCR, ENCR_AES_GCM_16) {
					t.Fatal("Has wrong")
				}
			}},
		{"EAP identity request with padding", PayloadEAP, "00 00 000a 01 07 0005 01 00", func(t *testing.T, p Payload) {
			if e := p.(*EAP); len(e.Data) != 6 || e.Data[1] != 7 {
				t.Fatalf("%+v", e)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := hx(t, tt.wire)
			ps, err := DecodePayloads(tt.typ, raw)
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) != 1 || ps[0].Type() != tt.typ {
				t.Fatalf("decoded %v", ps)
			}
			tt.check(t, ps[0])
			first, out, err := EncodePayloads(ps)
			if err != nil || first != tt.typ || !bytes.Equal(out, raw) {
				t.Fatalf("re-encode %v %x, %v; want %x", first, out, err, raw)
			}
		})
	}
}

func TestPayloadEncodeErrors(t *testing.T) {
	bad := []Payload{
		&Delete{Protocol: ProtoESP, SPIs: [][]byte{{1, 2, 3, 4}, {1, 2}}},
		&Delete{Protocol: ProtoESP, SPIs: [][]byte{{}}},
		&TS{Selectors: []TrafficSelector{{Type: TSIPv4AddrRange, Start: netip.MustParseAddr("::1"), End: netip.MustParseAddr("::2")}}},
		&TS{Selectors: []TrafficSelector{{Type: TSIPv6AddrRange}}},
		&SA{Proposals: []Proposal{{Transforms: []Transform{{Attributes: []TransformAttr{{TV: true, Value: []byte{1}}}}}}}},
		&Notify{SPI: make([]byte, 256)},
		&Nonce{Data: make([]byte, 70000)},
		&CP{Attributes: []CPAttr{{Type: 0x8001}}},
	}
	for _, p := range bad {
		if _, _, err := EncodePayloads([]Payload{p}); err == nil {
			t.Errorf("%T %+v: no error", p, p)
		}
	}
}

func TestTrafficSelectorHelpers(t *testing.T) {
	for _, s := range []string{"0.0.0.0/0", "10.1.2.0/24", "192.0.2.7/32", "::/0", "2001:db8::/33", "2001:db8::1/128"} {
		p := netip.MustParsePrefix(s)
		sel := SelectorFromPrefix(p)
		got, ok := sel.Prefix()
		if !ok || got != p {
			t.Errorf("%s: Prefix() = %v %v", s, got, ok)
		}
		roundTripPayload(t, &TS{Selectors: []TrafficSelector{sel}})
	}
	odd := TrafficSelector{Type: TSIPv4AddrRange, Start: netip.MustParseAddr("10.0.0.1"), End: netip.MustParseAddr("10.0.0.2")}
	if _, ok := odd.Prefix(); ok {
		t.Error("10.0.0.1-10.0.0.2 is not a prefix")
	}
	if odd.Contains(netip.MustParseAddr("10.0.0.3")) || !odd.Contains(netip.MustParseAddr("10.0.0.2")) {
		t.Error("Contains wrong")
	}
}
