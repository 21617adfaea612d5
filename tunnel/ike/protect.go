package ike

import (
	"crypto/rand"
	"fmt"

	"flexvpn/tunnel/ike/crypto"
	"flexvpn/tunnel/ike/wire"
)

// header returns the IKE header for a message we send.
func (sa *SA) header(exch wire.ExchangeType, id uint32, response bool) wire.Header {
	h := wire.Header{SPIi: sa.spii, SPIr: sa.spir, MajorVersion: 2, Exchange: exch, MessageID: id}
	if sa.ikeInitiator {
		h.Flags |= wire.FlagInitiator
	}
	if response {
		h.Flags |= wire.FlagResponse
	}
	return h
}

// encode builds the datagrams of one message: IKE_SA_INIT in the clear,
// everything else in an SK payload, or in SKF fragments (RFC 7383) when
// the peer supports them and the message would exceed the fragment size.
func (sa *SA) encode(exch wire.ExchangeType, id uint32, response bool, ps []wire.Payload) ([][]byte, error) {
	h := sa.header(exch, id, response)
	if exch == wire.IKE_SA_INIT {
		m := &wire.Message{Header: h, Payloads: ps}
		b, err := m.Encode()
		if err != nil {
			return nil, fmt.Errorf("ike: encode %v: %w", exch, err)
		}
		return [][]byte{b}, nil
	}
	first, plain, err := wire.EncodePayloads(ps)
	if err != nil {
		return nil, fmt.Errorf("ike: encode %v: %w", exch, err)
	}
	room := sa.messageRoom()
	if sa.fragmenting() && wire.HeaderLen+4+sa.out.BodyLen(len(plain)) > room {
		return sa.sealFragments(h, first, plain, room)
	}
	b, err := sa.seal(h, &wire.SK{FirstPayload: first}, plain)
	if err != nil {
		return nil, err
	}
	return [][]byte{b}, nil
}

func (sa *SA) fragmenting() bool {
	return sa.peer.fragmentation && !sa.cfg.NoFragmenting
}

// messageRoom is the IKE message size that fits the configured fragment
// size: minus IP and UDP headers and, on 4500, the non-ESP marker.
func (sa *SA) messageRoom() int {
	room := sa.cfg.fragmentSize(sa.remote.Addr()) - 8
	if sa.remote.Addr().Unmap().Is4() {
		room -= 20
	} else {
		room -= 40
	}
	if sa.onNATT() {
		room -= len(nonESPMarker)
	}
	return room
}

// seal encrypts plain into the SK or SKF payload p and returns the datagram.
func (sa *SA) seal(h wire.Header, p wire.Payload, plain []byte) ([]byte, error) {
	bodyLen := sa.out.BodyLen(len(plain))
	aad := wire.ProtectedHeader(h, p, bodyLen)
	if aad == nil {
		return nil, fmt.Errorf("ike: message too long (%d bytes)", bodyLen)
	}
	return sa.out.Seal(aad, aad, plain, sa.rand())
}

// sealFragments splits plain so that every fragment fits room; each is
// encrypted and authenticated on its own (RFC 7383 2.5).
func (sa *SA) sealFragments(h wire.Header, first wire.PayloadType, plain []byte, room int) ([][]byte, error) {
	chunk := sa.fragmentPayloadSize(room)
	total := (len(plain) + chunk - 1) / chunk
	if total > 0xffff {
		return nil, fmt.Errorf("ike: message needs %d fragments", total)
	}
	var out [][]byte
	for n := 1; n <= total; n++ {
		part := plain[(n-1)*chunk : min(n*chunk, len(plain))]
		f := &wire.SKF{FragmentNumber: uint16(n), TotalFragments: uint16(total)}
		if n == 1 {
			f.FirstPayload = first
		}
		b, err := sa.seal(h, f, part)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// fragmentPayloadSize is the largest plaintext per fragment within room.
// When room is too small to carry anything useful we still send 16 bytes
// per fragment: oversized fragments beat no progress at all.
func (sa *SA) fragmentPayloadSize(room int) int {
	maxBody := room - wire.HeaderLen - 8
	n := maxBody
	for n > 16 && sa.out.BodyLen(n) > maxBody {
		n--
	}
	return max(n, 16)
}

// openOne verifies and decrypts the single SK or SKF payload of m.
func (sa *SA) openOne(m *wire.Message) (p wire.Payload, first wire.PayloadType, plain []byte, err error) {
	return openWith(sa.in, m)
}

// openWith is openOne with the inbound cipher in.
func openWith(in crypto.SKCipher, m *wire.Message) (p wire.Payload, first wire.PayloadType, plain []byte, err error) {
	last := m.Payloads[len(m.Payloads)-1]
	switch sk := last.(type) {
	case *wire.SK:
		plain, err = in.Open(sk.AAD, sk.Body)
		return sk, sk.FirstPayload, plain, err
	case *wire.SKF:
		if len(m.Payloads) != 1 {
			return nil, 0, nil, fmt.Errorf("%w: SKF with other payloads", ErrProtocol)
		}
		plain, err = in.Open(sk.AAD, sk.Body)
		return sk, sk.FirstPayload, plain, err
	}
	return nil, 0, nil, fmt.Errorf("%w: unprotected %v message", ErrProtocol, m.Exchange)
}

// unprotect opens m; for a fragment it returns complete=false until the
// whole message has arrived.
func (sa *SA) unprotect(m *wire.Message) (first wire.PayloadType, plain []byte, complete bool, err error) {
	p, first, plain, err := sa.openOne(m)
	if err != nil {
		return 0, nil, false, err
	}
	f, ok := p.(*wire.SKF)
	if !ok {
		return first, plain, true, nil
	}
	return sa.reasm.add(m.MessageID, m.IsResponse(), f, plain)
}

func (sa *SA) rand() interface{ Read([]byte) (int, error) } {
	if sa.cfg.Rand != nil {
		return sa.cfg.Rand
	}
	return rand.Reader
}
