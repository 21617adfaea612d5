package ike

import (
	"encoding/binary"
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
	// One endpoint creates responder SAs, the other (under "load")
	// answers every IKE_SA_INIT with the cookie check.
	var eps []*Endpoint
	for _, max := range []int{1000, -1} {
		s := pskServer()
		s.HalfOpenMax = max
		ep, err := NewEndpoint(EndpointConfig{Transport: discardTransport{}, Local: serverAddr, Responder: &s})
		if err != nil {
			f.Fatal(err)
		}
		f.Cleanup(func() { ep.Close() })
		eps = append(eps, ep)
	}
	f.Fuzz(func(t *testing.T, pkt []byte) {
		for _, ep := range eps {
			ep.HandleDatagram(pkt, serverIKE, clientIKE)
		}
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

// FuzzEstablishedSA sends arbitrary messages under the SPIs of a live
// IKE SA (so they reach its goroutine: window checks, fragment handling,
// SK verification); the SA must neither panic nor fall over.
func FuzzEstablishedSA(f *testing.F) {
	f.Add(uint8(wire.INFORMATIONAL), uint8(wire.FlagInitiator), uint32(2), uint8(wire.PayloadSK), []byte{0, 0, 0, 40})
	f.Add(uint8(wire.IKE_AUTH), uint8(wire.FlagInitiator), uint32(1), uint8(wire.PayloadSKF), []byte{0, 0, 0, 12, 0, 1, 0, 2})
	tb := newTestbed(f, pskServer())
	sa, err := tb.connect(f, pskClient())
	if err != nil {
		f.Fatal(err)
	}
	spii, spir := sa.SPIs()
	f.Fuzz(func(t *testing.T, exch, flags uint8, id uint32, next uint8, body []byte) {
		h := wire.Header{SPIi: spii, SPIr: spir, MajorVersion: 2, Exchange: wire.ExchangeType(exch),
			Flags: wire.Flags(flags), MessageID: id, NextPayload: wire.PayloadType(next)}
		pkt := make([]byte, wire.HeaderLen, wire.HeaderLen+len(body))
		putTestHeader(pkt, h, wire.HeaderLen+len(body))
		tb.server.HandleDatagram(append(pkt, body...), serverIKE, clientIKE)
	})
	if sa.State() != StateEstablished {
		f.Fatalf("client SA %v after fuzzing the server", sa.State())
	}
}

// putTestHeader writes an IKE header by hand (RFC 7296 3.1) so that the
// fuzzer controls every field, including inconsistent ones.
func putTestHeader(b []byte, h wire.Header, length int) {
	binary.BigEndian.PutUint64(b[0:], h.SPIi)
	binary.BigEndian.PutUint64(b[8:], h.SPIr)
	b[16] = byte(h.NextPayload)
	b[17] = 0x20
	b[18] = byte(h.Exchange)
	b[19] = byte(h.Flags)
	binary.BigEndian.PutUint32(b[20:], h.MessageID)
	binary.BigEndian.PutUint32(b[24:], uint32(length))
}
