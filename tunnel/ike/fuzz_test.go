package ike

import (
	"net/netip"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

type discardTransport struct{}

func (discardTransport) SendIKE([]byte, netip.AddrPort, netip.AddrPort) error { return nil }

// FuzzHandleDatagram feeds arbitrary datagrams to a responder endpoint
// (and through it to responder SAs): nothing may panic, on any goroutine.
func FuzzHandleDatagram(f *testing.F) {
	seed := &wire.Message{Header: wire.Header{SPIi: 1, Exchange: wire.IKE_SA_INIT, Flags: wire.FlagInitiator},
		Payloads: []wire.Payload{
			&wire.SA{Proposals: toWire(DefaultIKEProposals(), wire.ProtoIKE, nil, true)},
			&wire.KE{Group: wire.KE_CURVE25519, Data: make([]byte, 32)},
			&wire.Nonce{Data: make([]byte, 32)},
			&wire.Notify{NotifyType: wire.IKEV2_FRAGMENTATION_SUPPORTED},
		}}
	b, err := seed.Encode()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	sk := &wire.Message{Header: wire.Header{SPIi: 1, SPIr: 2, Exchange: wire.IKE_AUTH, Flags: wire.FlagInitiator, MessageID: 1},
		Payloads: []wire.Payload{&wire.SK{FirstPayload: wire.PayloadIDi, Body: make([]byte, 48)}}}
	if b, err := sk.Encode(); err == nil {
		f.Add(b)
	}
	s := pskServer()
	s.HalfOpenMax = 1000
	ep, err := NewEndpoint(EndpointConfig{Transport: discardTransport{}, Local: serverAddr, Responder: &s})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { ep.Close() })
	f.Fuzz(func(t *testing.T, pkt []byte) {
		ep.HandleDatagram(pkt, serverIKE, clientIKE)
	})
}

// FuzzParseConfigReply: any attribute list either parses or errors.
func FuzzParseConfigReply(f *testing.F) {
	f.Add(uint16(wire.INTERNAL_IP4_ADDRESS), []byte{10, 0, 0, 1})
	f.Add(uint16(wire.UNITY_SPLIT_INCLUDE), make([]byte, 14))
	f.Add(uint16(wire.INTERNAL_IP6_ADDRESS), make([]byte, 17))
	f.Fuzz(func(t *testing.T, typ uint16, v []byte) {
		r, err := parseConfigReply([]wire.CPAttr{{Type: wire.CPAttrType(typ), Value: v}, {Type: wire.INTERNAL_IP4_NETMASK, Value: v}})
		if err == nil && r == nil {
			t.Fatal("nil reply without error")
		}
	})
}
