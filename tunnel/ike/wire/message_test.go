package wire

import (
	"bytes"
	"errors"
	"net/netip"
	"os"
	"testing"
)

// initRequest is an IKE_SA_INIT request written by hand from the RFC 7296
// diagrams: SA(1 proposal, 4 transforms), KE(group 31), Ni, two notifies
// and the FLEXVPN-SUPPORTED vendor ID.
const initRequest = `
0102030405060708 0000000000000000   # SPIi, SPIr
21 20 22 08 00000000 000000d1       # next SA, v2.0, IKE_SA_INIT, I, msgid 0, length 209
22 00 0030                          # SA: next KE, length 48
  00 00 002c 01 01 00 04            #   proposal: last, len 44, #1, IKE, no SPI, 4 transforms
    03 00 000c 01 00 0014 800e 0100 #     ENCR AES_GCM_16, key length 256
    03 00 0008 02 00 0005           #     PRF HMAC_SHA2_256
    03 00 0008 04 00 001f           #     KE CURVE25519
    00 00 0008 04 00 0013           #     KE ECP_256 (last)
28 00 0028 001f 0000                # KE: next Nonce, length 40, group 31
  000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
29 00 0024                          # Nonce: next N, length 36
  a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf
29 00 001c 00 00 4004               # N(NAT_DETECTION_SOURCE_IP), length 28
  c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3
2b 00 0008 00 00 402e               # N(IKEV2_FRAGMENTATION_SUPPORTED), next V
00 00 0015 464c455856504e2d535550504f52544544  # V: FLEXVPN-SUPPORTED, last
`

func TestDecodeInitRequestVector(t *testing.T) {
	raw := hx(t, initRequest)
	m, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if m.SPIi != 0x0102030405060708 || m.SPIr != 0 || m.Exchange != IKE_SA_INIT || !m.IsInitiator() || m.IsResponse() {
		t.Fatalf("header: %+v", m.Header)
	}
	wantTypes := []PayloadType{PayloadSA, PayloadKE, PayloadNonce, PayloadNotify, PayloadNotify, PayloadVendorID}
	if len(m.Payloads) != len(wantTypes) {
		t.Fatalf("got %d payloads, want %d", len(m.Payloads), len(wantTypes))
	}
	for i, p := range m.Payloads {
		if p.Type() != wantTypes[i] {
			t.Errorf("payload %d: %v, want %v", i, p.Type(), wantTypes[i])
		}
	}
	sa := m.Payloads[0].(*SA)
	if got := sa.Proposals[0].String(); got != "IKE:AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE_25519/ECP_256" {
		t.Errorf("proposal = %s", got)
	}
	if ke := m.Payloads[1].(*KE); ke.Group != KE_CURVE25519 || len(ke.Data) != 32 || ke.Data[31] != 0x1f {
		t.Errorf("ke = %+v", ke)
	}
	if h, err := ParseNATDetection(m.Payloads[3].(*Notify)); err != nil || h[19] != 0xd3 {
		t.Errorf("nat-d = %x, %v", h, err)
	}
	if !HasVendorID(m.Payloads, VIDFlexVPNSupported) {
		t.Error("FLEXVPN-SUPPORTED vendor ID not found")
	}
	out, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, raw) {
		t.Fatalf("re-encode differs:\n got %x\nwant %x", out, raw)
	}
}

func TestDecodeDoesNotAliasInput(t *testing.T) {
	raw := hx(t, initRequest)
	m, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	for i := range raw {
		raw[i] = 0xee
	}
	if ke := m.Payloads[1].(*KE); ke.Data[0] != 0x00 {
		t.Fatal("decoded KE data changed when the input buffer was overwritten")
	}
}

func TestEncodeBuildsMessage(t *testing.T) {
	m := &Message{
		Header: Header{SPIi: 1, SPIr: 2, Exchange: INFORMATIONAL, Flags: FlagResponse, MessageID: 7},
		Payloads: []Payload{
			NewDeleteESP(0xc0ffee01),
			NewNotify(INITIAL_CONTACT, nil),
		},
	}
	b, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if m.NextPayload != PayloadDelete || int(m.Length) != len(b) || b[17] != 0x20 {
		t.Fatalf("encode did not fill header: next %v length %d/%d version %#x", m.NextPayload, m.Length, len(b), b[17])
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	spis, err := got.Payloads[0].(*Delete).ESPSPIs()
	if err != nil || len(spis) != 1 || spis[0] != 0xc0ffee01 {
		t.Fatalf("delete spis = %v, %v", spis, err)
	}
	if got.MessageID != 7 || !got.IsResponse() || got.Payloads[1].(*Notify).NotifyType != INITIAL_CONTACT {
		t.Fatalf("decoded %+v", got)
	}
}

// skMessage is an IKE_AUTH request whose only payload is SK; the body
// bytes are opaque to the codec.
const skMessage = `
1111111111111111 2222222222222222
2e 20 23 08 00000001 00000034        # next SK, IKE_AUTH, I, msgid 1, length 52
23 00 0018                           # SK: first inner payload IDi, length 24
  000102030405060708090a0b0c0d0e0f10111213 # body: IV, ciphertext, ICV
`

func TestSKPayloadAADAndProtectedHeader(t *testing.T) {
	raw := hx(t, skMessage)
	m, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	sk, ok := m.Payloads[0].(*SK)
	if !ok || len(m.Payloads) != 1 {
		t.Fatalf("payloads = %v", m.Payloads)
	}
	if sk.FirstPayload != PayloadIDi || !bytes.Equal(sk.Body, raw[32:]) || !bytes.Equal(sk.AAD, raw[:32]) {
		t.Fatalf("sk = first %v body %x aad %x", sk.FirstPayload, sk.Body, sk.AAD)
	}
	ph := ProtectedHeader(m.Header, &SK{FirstPayload: PayloadIDi}, len(sk.Body))
	if !bytes.Equal(ph, sk.AAD) {
		t.Fatalf("ProtectedHeader = %x, want %x", ph, sk.AAD)
	}
	out, err := m.Encode()
	if err != nil || !bytes.Equal(out, raw) {
		t.Fatalf("re-encode = %x, %v", out, err)
	}
}

func TestSKFPayloadAADAndProtectedHeader(t *testing.T) {
	h := Header{SPIi: 5, SPIr: 6, Exchange: IKE_AUTH, Flags: FlagInitiator, MessageID: 1}
	body := bytes.Repeat([]byte{0xab}, 50)
	m := &Message{Header: h, Payloads: []Payload{&SKF{FirstPayload: PayloadIDi, FragmentNumber: 1, TotalFragments: 3, Body: body}}}
	raw, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	skf := got.Payloads[0].(*SKF)
	if skf.FragmentNumber != 1 || skf.TotalFragments != 3 || skf.FirstPayload != PayloadIDi || !bytes.Equal(skf.Body, body) {
		t.Fatalf("skf = %+v", skf)
	}
	if len(skf.AAD) != HeaderLen+8 {
		t.Fatalf("AAD length %d", len(skf.AAD))
	}
	ph := ProtectedHeader(h, &SKF{FirstPayload: PayloadIDi, FragmentNumber: 1, TotalFragments: 3}, len(body))
	if !bytes.Equal(ph, skf.AAD) {
		t.Fatalf("ProtectedHeader = %x, want %x", ph, skf.AAD)
	}
	if ProtectedHeader(h, &Nonce{}, 10) != nil {
		t.Fatal("ProtectedHeader accepted a non-SK payload")
	}
}

func TestInnerChainRoundTrip(t *testing.T) {
	ps := []Payload{
		&ID{IDType: IDFQDN, Data: []byte("client.example")},
		&Auth{Method: AuthSharedKey, Data: bytes.Repeat([]byte{1}, 32)},
		(&CP{CfgType: CFG_REQUEST}).Add(CPRequest(INTERNAL_IP4_ADDRESS), CPRequest(INTERNAL_IP4_DNS)),
		&SA{Proposals: []Proposal{{Number: 1, Protocol: ProtoESP, SPI: []byte{1, 2, 3, 4}, Transforms: []Transform{
			{Type: TransformENCR, ID: ENCR_AES_GCM_16, KeyLength: 256}, {Type: TransformESN, ID: ESN_NO}}}}},
		&TS{Selectors: []TrafficSelector{SelectorFromPrefix(netip.MustParsePrefix("0.0.0.0/0"))}},
		&TS{Responder: true, Selectors: []TrafficSelector{SelectorFromPrefix(netip.MustParsePrefix("10.1.0.0/16"))}},
	}
	first, b, err := EncodePayloads(ps)
	if err != nil {
		t.Fatal(err)
	}
	if first != PayloadIDi {
		t.Fatalf("first = %v", first)
	}
	got, err := DecodePayloads(first, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ps) {
		t.Fatalf("got %d payloads", len(got))
	}
	for i := range ps {
		if got[i].Type() != ps[i].Type() {
			t.Errorf("payload %d type %v, want %v", i, got[i].Type(), ps[i].Type())
		}
	}
	if p, ok := got[5].(*TS).Selectors[0].Prefix(); !ok || p.String() != "10.1.0.0/16" {
		t.Errorf("TSr prefix = %v %v", p, ok)
	}
}

func TestEncodeRejectsMisplacedSK(t *testing.T) {
	if _, _, err := EncodePayloads([]Payload{&SK{}}); !errors.Is(err, ErrUnsupportedPayload) {
		t.Errorf("SK in inner chain: %v", err)
	}
	m := &Message{Payloads: []Payload{&SK{}, &Nonce{Data: make([]byte, 16)}}}
	if _, err := m.Encode(); !errors.Is(err, ErrUnsupportedPayload) {
		t.Errorf("SK not last: %v", err)
	}
	if _, _, err := EncodePayloads([]Payload{nil}); !errors.Is(err, ErrUnsupportedPayload) {
		t.Errorf("nil payload: %v", err)
	}
	if _, _, err := EncodePayloads([]Payload{(*SA)(nil)}); !errors.Is(err, ErrUnsupportedPayload) {
		t.Errorf("typed nil payload: %v", err)
	}
	if ProtectedHeader(Header{}, (*SK)(nil), 10) != nil {
		t.Error("ProtectedHeader accepted a nil *SK")
	}
}

// TestRFC7634AppendixB checks the SK framing against the example message
// of RFC 7634 Appendix B: the AAD is the first 32 bytes, the body is the
// 8-byte IV, 13 bytes of ciphertext (the 12-byte N(SET_WINDOW_SIZE) and
// the Pad Length byte) and the 16-byte ICV.
func TestRFC7634AppendixB(t *testing.T) {
	raw, err := os.ReadFile("testdata/rfc/rfc7634_appendix_b.bin")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	sk := m.Payloads[0].(*SK)
	if m.Exchange != INFORMATIONAL || m.MessageID != 9 || m.Flags != 0 || sk.FirstPayload != PayloadNotify {
		t.Fatalf("header %+v first %v", m.Header, sk.FirstPayload)
	}
	if len(sk.AAD) != 32 || len(sk.Body) != 8+13+16 || sk.Body[0] != 0x10 {
		t.Fatalf("aad %d body %d", len(sk.AAD), len(sk.Body))
	}
	if ph := ProtectedHeader(m.Header, &SK{FirstPayload: PayloadNotify}, len(sk.Body)); !bytes.Equal(ph, sk.AAD) {
		t.Fatalf("ProtectedHeader %x, want %x", ph, sk.AAD)
	}
}
