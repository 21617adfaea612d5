package wire

import (
	"bytes"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestNotifyHelpers(t *testing.T) {
	var hash [NATDetectionLen]byte
	hash[0], hash[19] = 0xaa, 0xbb
	n := roundTripPayload(t, NewNATDetectionDestinationIP(hash)).(*Notify)
	if got, err := ParseNATDetection(n); err != nil || got != hash || n.NotifyType != NAT_DETECTION_DESTINATION_IP {
		t.Fatalf("nat-d %x %v", got, err)
	}

	c, err := NewCookie([]byte("cookie"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ParseCookie(roundTripPayload(t, c).(*Notify)); err != nil || string(got) != "cookie" {
		t.Fatalf("cookie %q %v", got, err)
	}

	n = roundTripPayload(t, NewInvalidKEPayload(KE_ECP384)).(*Notify)
	if !bytes.Equal(n.Data, []byte{0, 20}) {
		t.Fatalf("invalid ke data %x", n.Data)
	}
	if g, err := ParseInvalidKEPayload(n); err != nil || g != KE_ECP384 {
		t.Fatalf("invalid ke %d %v", g, err)
	}

	if w, err := ParseSetWindowSize(roundTripPayload(t, NewSetWindowSize(10)).(*Notify)); err != nil || w != 10 {
		t.Fatalf("window %d %v", w, err)
	}
	if l, err := ParseAuthLifetime(roundTripPayload(t, NewAuthLifetime(3600)).(*Notify)); err != nil || l != 3600 {
		t.Fatalf("auth lifetime %d %v", l, err)
	}

	n = roundTripPayload(t, NewSignatureHashAlgorithms(HashSHA2_256, HashSHA2_384, HashIdentity)).(*Notify)
	if !bytes.Equal(n.Data, []byte{0, 2, 0, 3, 0, 5}) {
		t.Fatalf("sha data %x", n.Data)
	}
	if algs, err := ParseSignatureHashAlgorithms(n); err != nil || !slices.Equal(algs, []HashAlgorithm{2, 3, 5}) {
		t.Fatalf("sha %v %v", algs, err)
	}

	n = roundTripPayload(t, NewRekeySA(ProtoESP, []byte{9, 9, 9, 9})).(*Notify)
	if n.Protocol != ProtoESP || len(n.Data) != 0 {
		t.Fatalf("rekey %+v", n)
	}
}

func TestNotifyParsersReject(t *testing.T) {
	cases := map[string]error{}
	_, cases["nat-d short"] = ParseNATDetection(&Notify{NotifyType: NAT_DETECTION_SOURCE_IP, Data: make([]byte, 19)})
	_, cases["nat-d wrong type"] = ParseNATDetection(&Notify{NotifyType: COOKIE, Data: make([]byte, 20)})
	_, cases["cookie empty"] = ParseCookie(&Notify{NotifyType: COOKIE})
	_, cases["cookie 65"] = ParseCookie(&Notify{NotifyType: COOKIE, Data: make([]byte, 65)})
	_, cases["new cookie 65"] = NewCookie(make([]byte, 65))
	_, cases["invalid ke 3 bytes"] = ParseInvalidKEPayload(&Notify{NotifyType: INVALID_KE_PAYLOAD, Data: []byte{0, 0, 19}})
	_, cases["auth lifetime 3 bytes"] = ParseAuthLifetime(&Notify{NotifyType: AUTH_LIFETIME, Data: []byte{0, 1, 2}})
	_, cases["window 2 bytes"] = ParseSetWindowSize(&Notify{NotifyType: SET_WINDOW_SIZE, Data: []byte{0, 1}})
	_, _, cases["rekey no spi"] = ParseRekeySA(&Notify{NotifyType: REKEY_SA, Protocol: ProtoESP})
	_, _, cases["rekey ike"] = ParseRekeySA(&Notify{NotifyType: REKEY_SA, Protocol: ProtoIKE, SPI: []byte{1, 2, 3, 4}})
	_, cases["sha odd"] = ParseSignatureHashAlgorithms(&Notify{NotifyType: SIGNATURE_HASH_ALGORITHMS, Data: []byte{0, 2, 0}})
	for name, err := range cases {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := ParseCookie(&Notify{NotifyType: REDIRECT}); !errors.Is(err, ErrWrongNotify) {
		t.Errorf("wrong type error = %v", err)
	}
}

func TestRedirectVectors(t *testing.T) {
	nonce := bytes.Repeat([]byte{0x5a}, 16)
	tests := []struct {
		name  string
		gw    GatewayID
		nonce []byte
		data  string
	}{
		{"ipv4 with nonce", GatewayID{Addr: netip.MustParseAddr("192.0.2.10")}, nonce, "01 04 c000020a" + " 5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"},
		{"ipv6", GatewayID{Addr: netip.MustParseAddr("2001:db8::10")}, nil, "02 10 20010db8000000000000000000000010"},
		{"fqdn", GatewayID{FQDN: "gw2.example"}, nil, "03 0b 677732 2e6578616d706c65"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := NewRedirect(tt.gw, tt.nonce)
			if err != nil {
				t.Fatal(err)
			}
			if want := hx(t, tt.data); !bytes.Equal(n.Data, want) {
				t.Fatalf("data %x, want %x", n.Data, want)
			}
			r, err := ParseRedirect(roundTripPayload(t, n).(*Notify))
			if err != nil || r.Gateway != tt.gw || !bytes.Equal(r.Nonce, tt.nonce) {
				t.Fatalf("parse %+v %v", r, err)
			}
			from, err := NewRedirectedFrom(tt.gw)
			if err != nil {
				t.Fatal(err)
			}
			if gw, err := ParseRedirectedFrom(from); err != nil || gw != tt.gw || gw.String() == "" {
				t.Fatalf("redirected from %+v %v", gw, err)
			}
		})
	}
}

func TestRedirectRejects(t *testing.T) {
	bad := []string{
		"",                  // empty
		"01",                // no length
		"01 04 c00002",      // short identity
		"01 03 c00002",      // IPv4 of 3 bytes
		"02 04 c000020a",    // IPv6 of 4 bytes
		"03 00",             // empty FQDN
		"03 02 6100",        // NUL in FQDN
		"07 04 c000020a",    // unknown type
		"01 04 c000020a 00", // fine for REDIRECT, not for REDIRECTED_FROM (checked below)
	}
	for i, d := range bad[:len(bad)-1] {
		if _, err := ParseRedirect(&Notify{NotifyType: REDIRECT, Data: hx(t, d)}); err == nil {
			t.Errorf("case %d %q: no error", i, d)
		}
	}
	if _, err := ParseRedirectedFrom(&Notify{NotifyType: REDIRECTED_FROM, Data: hx(t, bad[len(bad)-1])}); !errors.Is(err, ErrTrailingData) {
		t.Errorf("REDIRECTED_FROM with trailing data: %v", err)
	}
	if _, err := NewRedirect(GatewayID{}, nil); err == nil {
		t.Error("empty gateway accepted")
	}
	if _, err := NewRedirect(GatewayID{Addr: netip.MustParseAddr("192.0.2.1"), FQDN: "x"}, nil); err == nil {
		t.Error("gateway with address and FQDN accepted")
	}
}

func TestFindHelpers(t *testing.T) {
	ps := []Payload{NewVendorID(VIDCiscoCopyright), NewNotify(COOKIE, []byte{1}), NewNotify(NO_PROPOSAL_CHOSEN, nil), &Nonce{}}
	if FindNotify(ps, NO_PROPOSAL_CHOSEN) != ps[2] || FindNotify(ps, REDIRECT) != nil {
		t.Error("FindNotify")
	}
	if FindPayload(ps, PayloadNonce) != ps[3] || FindPayload(ps, PayloadSA) != nil {
		t.Error("FindPayload")
	}
	if FirstError(ps) != ps[2] || FirstError(ps[:2]) != nil {
		t.Error("FirstError")
	}
	if !HasVendorID(ps, VIDCiscoCopyright) || HasVendorID(ps, VIDCiscoDynamicRoute) {
		t.Error("HasVendorID")
	}
}

func TestNames(t *testing.T) {
	for got, want := range map[string]string{
		IKE_SA_INIT.String():      "IKE_SA_INIT",
		ExchangeType(99).String(): "EXCHANGE(99)",
		PayloadNonce.String():     "No",
		PayloadType(99).String():  "PAYLOAD(99)",
		Transform{Type: TransformENCR, ID: ENCR_AES_GCM_16, KeyLength: 256}.String(): "AES_GCM_16_256",
		Transform{Type: TransformPRF, ID: PRF_HMAC_SHA2_256}.String():                "PRF_HMAC_SHA2_256",
		Transform{Type: TransformINTEG, ID: AUTH_HMAC_SHA1_96}.String():              "HMAC_SHA1_96",
		Transform{Type: TransformKE, ID: KE_ECP256}.String():                         "ECP_256",
		Transform{Type: TransformADDKE1, ID: KE_MLKEM768}.String():                   "ADDKE1:ML_KEM_768",
		Transform{Type: TransformESN, ID: ESN_NO}.String():                           "NO_EXT_SEQ",
		Transform{Type: TransformENCR, ID: 1000}.String():                            "ENCR(1000)",
		(FlagInitiator | FlagResponse).String():                                      "I|R",
		Flags(0x01).String():                                                         "0x1",
		AuthDigitalSig.String():                                                      "DIGITAL_SIGNATURE",
		UNITY_SPLIT_INCLUDE.String():                                                 "UNITY_SPLIT_INCLUDE",
		CFG_REPLY.String():                                                           "CFG_REPLY",
		ProtoESP.String():                                                            "ESP",
		HashSHA2_512.String():                                                        "SHA2_512",
		IDFQDN.String():                                                              "ID_FQDN",
		TSIPv6AddrRange.String():                                                     "TS_IPV6_ADDR_RANGE",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func TestDescribe(t *testing.T) {
	m := &Message{Header: Header{Exchange: IKE_AUTH, Flags: FlagResponse, MessageID: 3}, Payloads: []Payload{
		&ID{Responder: true}, &Auth{}, &CP{CfgType: CFG_REPLY}, NewNotify(INITIAL_CONTACT, nil), &Unknown{PayloadType: 99},
	}}
	if got, want := m.String(), "IKE_AUTH response 3 [ IDr AUTH CP(CFG_REPLY) N(INITIAL_CONTACT) PAYLOAD(99) ]"; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if got := DescribePayloads([]Payload{&SKF{FragmentNumber: 2, TotalFragments: 5}}); got != "[ SKF(2/5) ]" {
		t.Errorf("got %q", got)
	}
}

func TestNotifyErrorText(t *testing.T) {
	if got := (&NotifyError{Type: INVALID_SYNTAX, Msg: "nonce: 3 bytes"}).Error(); got != "INVALID_SYNTAX: nonce: 3 bytes" {
		t.Errorf("Error() = %q", got)
	}
	if got := (&NotifyError{Type: NotifyType(99)}).Error(); got != "NOTIFY(99)" {
		t.Errorf("Error() = %q", got)
	}
	_, err := Decode(hx(t, "0102030405060708 0000000000000000 22 20 22 08 00000000 00000020 00 00 0005"))
	if err == nil || !strings.Contains(err.Error(), "INVALID_SYNTAX") {
		t.Errorf("decode error text %v", err)
	}
}
