package wire_test

import (
	"fmt"
	"net/netip"

	"flexvpn/tunnel/ike/wire"
)

// Build an IKE_SA_INIT request, encode it and decode it again.
func Example() {
	m := &wire.Message{
		Header: wire.Header{SPIi: 0x0102030405060708, Exchange: wire.IKE_SA_INIT, Flags: wire.FlagInitiator},
		Payloads: []wire.Payload{
			&wire.SA{Proposals: []wire.Proposal{{Number: 1, Protocol: wire.ProtoIKE, Transforms: []wire.Transform{
				{Type: wire.TransformENCR, ID: wire.ENCR_AES_GCM_16, KeyLength: 256},
				{Type: wire.TransformPRF, ID: wire.PRF_HMAC_SHA2_256},
				{Type: wire.TransformKE, ID: wire.KE_CURVE25519},
			}}}},
			&wire.KE{Group: wire.KE_CURVE25519, Data: make([]byte, 32)},
			&wire.Nonce{Data: make([]byte, 32)},
			wire.NewNotify(wire.REDIRECT_SUPPORTED, nil),
			wire.NewVendorID(wire.VIDFlexVPNSupported),
		},
	}
	b, err := m.Encode()
	if err != nil {
		panic(err)
	}
	got, err := wire.Decode(b)
	if err != nil {
		panic(err)
	}
	fmt.Println(got)
	fmt.Println(got.Payloads[0].(*wire.SA).Proposals[0])
	fmt.Println(wire.CheckRules(got.Exchange, got.IsResponse(), got.Payloads) == nil)
	// Output:
	// IKE_SA_INIT request 0 [ SA KE No N(REDIRECT_SUPPORTED) V ]
	// IKE:AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE_25519
	// true
}

// A server fills a CPConfig and sends its attributes in CFG_REPLY; the
// client parses them back.
func ExampleParseCPConfig() {
	reply := wire.CPConfig{
		IP4Address:   netip.MustParseAddr("10.99.0.7"),
		IP4Netmask:   24,
		DNS:          []netip.Addr{netip.MustParseAddr("198.51.100.53")},
		SplitInclude: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")},
		SplitDNS:     []string{"corp.example"},
		Banner:       "Authorized use only",
	}
	attrs, err := reply.Attributes()
	if err != nil {
		panic(err)
	}
	cp := &wire.CP{CfgType: wire.CFG_REPLY, Attributes: attrs}
	c, err := wire.ParseCPConfig(cp)
	fmt.Println(c.IP4Address, c.IP4Netmask, c.DNS, c.SplitInclude, c.SplitDNS, err)
	for _, a := range cp.Attributes {
		fmt.Println(a)
	}
	// Output:
	// 10.99.0.7 24 [198.51.100.53] [198.51.100.0/24] [corp.example] <nil>
	// INTERNAL_IP4_ADDRESS=10.99.0.7
	// INTERNAL_IP4_NETMASK=255.255.255.0
	// INTERNAL_IP4_DNS=198.51.100.53
	// UNITY_BANNER=Authorized use only
	// UNITY_SPLITDNS_NAME=corp.example
	// UNITY_SPLIT_INCLUDE=198.51.100.0/24
}

// A gateway redirects a client during IKE_SA_INIT, echoing its nonce.
func ExampleNewRedirect() {
	ni := make([]byte, 32)
	n, err := wire.NewRedirect(wire.GatewayID{FQDN: "gw2.example"}, ni)
	if err != nil {
		panic(err)
	}
	r, err := wire.ParseRedirect(n)
	fmt.Println(r.Gateway, len(r.Nonce), err)
	// Output: gw2.example 32 <nil>
}
