package ike

import (
	"encoding/binary"
	"testing"
	"time"

	"flexvpn/tunnel/ike/wire"
)

// initHeader is an IKE_SA_INIT request header for spii with payloads
// body (Length and NextPayload filled in).
func initHeader(spii uint64, next wire.PayloadType, body []byte) []byte {
	b := make([]byte, wire.HeaderLen, wire.HeaderLen+len(body))
	binary.BigEndian.PutUint64(b, spii)
	b[16], b[17], b[18], b[19] = byte(next), 0x20, byte(wire.IKE_SA_INIT), byte(wire.FlagInitiator)
	b = append(b, body...)
	binary.BigEndian.PutUint32(b[24:], uint32(len(b)))
	return b
}

// TestGarbageInitIsNotAnswered: datagrams that do not parse as IKE get
// no answer, whatever notify the decoder would suggest, so that spoofed
// garbage cannot use us as a reflector; they are counted instead.
func TestGarbageInitIsNotAnswered(t *testing.T) {
	ep, ct := captureServer(t)
	overlong := initHeader(3, wire.PayloadSA, nil)
	binary.BigEndian.PutUint32(overlong[24:], 200)
	garbage := map[string][]byte{
		"short":           {0x21, 0x20, 0x22, 0x08, 1, 2, 3},
		"length-past-end": overlong,
		"payload-len-2":   initHeader(4, wire.PayloadSA, []byte{0, 0, 0, 2}),
		"payload-overrun": initHeader(5, wire.PayloadNonce, []byte{0, 0, 0, 64, 1, 2, 3, 4}),
		// An unknown critical payload, but the chain after it is broken:
		// not a message we can vouch for having read.
		"critical-then-broken": initHeader(6, 200, []byte{byte(wire.PayloadSA), 0x80, 0, 8, 1, 2, 3, 4, 0, 0, 0, 99}),
		"bad-sa-body":          initHeader(7, wire.PayloadSA, []byte{0, 0, 0, 12, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4}),
	}
	for name, pkt := range garbage {
		ep.HandleDatagram(pkt, serverIKE, clientIKE)
		if n := ct.count(); n != 0 {
			t.Fatalf("%s: answered with %+v", name, ct.wait(t, 1)[0].Payloads)
		}
	}
	if got := ep.Stats().Undecodable; got != uint64(len(garbage)) {
		t.Fatalf("Undecodable = %d, want %d", got, len(garbage))
	}
	if n := len(ep.SAs()); n != 0 {
		t.Fatalf("garbage created %d SAs", n)
	}
}

// TestWellFormedWrongInitIsAnswered: requests that parse as IKE but
// cannot be accepted still get the notify RFC 7296 asks for (1.2, 2.5,
// 2.21.1), with the initiator's SPI copied.
func TestWellFormedWrongInitIsAnswered(t *testing.T) {
	sa := &wire.SA{Proposals: toWire(DefaultIKEProposals(), wire.ProtoIKE, nil, true)}
	nonce := &wire.Nonce{Data: make([]byte, 32)}
	legacy := []Proposal{{Encr: []Cipher{{wire.ENCR_3DES, 0}}, Integ: []uint16{wire.AUTH_HMAC_MD5_96},
		PRF: []uint16{wire.PRF_HMAC_MD5}, KE: []uint16{wire.KE_MODP1024}}}
	cases := []struct {
		name string
		ps   []wire.Payload
		want wire.NotifyType
	}{
		{"no-ke", []wire.Payload{sa, nonce}, wire.INVALID_SYNTAX},
		{"wrong-group", []wire.Payload{sa, &wire.KE{Group: wire.KE_MODP2048, Data: make([]byte, 256)}, nonce}, wire.INVALID_KE_PAYLOAD},
		{"no-proposal", []wire.Payload{&wire.SA{Proposals: toWire(legacy, wire.ProtoIKE, nil, true)},
			&wire.KE{Group: wire.KE_MODP1024, Data: make([]byte, 128)}, nonce}, wire.NO_PROPOSAL_CHOSEN},
		{"critical-unknown", []wire.Payload{&wire.Unknown{PayloadType: 200, Critical: true, Data: []byte{1}}, sa}, wire.UNSUPPORTED_CRITICAL_PAYLOAD},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ep, ct := captureServer(t)
			spi := uint64(0x100 + i)
			m := &wire.Message{Header: wire.Header{SPIi: spi, Exchange: wire.IKE_SA_INIT, Flags: wire.FlagInitiator}, Payloads: tc.ps}
			ep.HandleDatagram(encode(t, m), serverIKE, clientIKE)
			got := ct.wait(t, 1)[0]
			if !got.IsResponse() || got.SPIi != spi || findNotify(got.Payloads, tc.want) == nil {
				t.Fatalf("answer %+v %+v, want %v", got.Header, got.Payloads, tc.want)
			}
			if n := ep.Stats().Undecodable; n != 0 {
				t.Fatalf("counted a well-formed request as undecodable (%d)", n)
			}
		})
	}
}

// TestGarbageToSACounted: a datagram under an established SA's SPIs
// whose payload chain is broken is dropped by the SA, counted, and the
// SA carries on.
func TestGarbageToSACounted(t *testing.T) {
	tb := newTestbed(t, pskServer())
	sa, err := tb.connect(t, pskClient())
	if err != nil {
		t.Fatal(err)
	}
	spii, spir := sa.SPIs()
	pkt := initHeader(spii, wire.PayloadSK, []byte{0, 0, 0, 99})
	binary.BigEndian.PutUint64(pkt[8:], spir)
	pkt[18] = byte(wire.INFORMATIONAL)
	tb.server.HandleDatagram(pkt, serverIKE, clientIKE)
	deadline := time.Now().Add(5 * time.Second)
	for tb.server.Stats().Undecodable != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("Undecodable = %d, want 1", tb.server.Stats().Undecodable)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := sa.RekeyChild(sa.Children()[0].InSPI); err != nil {
		t.Fatal(err)
	}
	tb.cev.wait(t, EventChildRekeyed)
}

// FuzzChainIntact: the payload-chain walk never panics and accepts every
// message the full decoder accepts.
func FuzzChainIntact(f *testing.F) {
	f.Add(initHeader(1, wire.PayloadSA, []byte{0, 0, 0, 2}))
	f.Add(initHeader(2, 200, []byte{byte(wire.PayloadSA), 0x80, 0, 8, 1, 2, 3, 4, 0, 0, 0, 99}))
	m := &wire.Message{Header: wire.Header{SPIi: 3, Exchange: wire.IKE_SA_INIT, Flags: wire.FlagInitiator},
		Payloads: []wire.Payload{&wire.SA{Proposals: toWire(DefaultIKEProposals(), wire.ProtoIKE, nil, true)}, &wire.Nonce{Data: make([]byte, 32)}}}
	if b, err := m.Encode(); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, pkt []byte) {
		h, err := wire.DecodeHeader(pkt)
		if err != nil {
			return
		}
		intact := chainIntact(pkt, h)
		if _, err := wire.Decode(pkt); err == nil && !intact {
			t.Fatalf("Decode accepts %x but the chain walk does not", pkt)
		}
	})
}
