package ike

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"time"

	"flexvpn/tunnel/ike/wire"
)

// HandleDatagram takes one inbound IKE message (non-ESP marker already
// removed) received on local from remote. It never blocks for long and
// does not keep pkt.
func (e *Endpoint) HandleDatagram(pkt []byte, local, remote netip.AddrPort) {
	h, err := wire.DecodeHeader(pkt)
	if err != nil {
		e.dropUndecodable(remote, err)
		return
	}
	in := datagram{pkt: append([]byte(nil), pkt[:h.Length]...), hdr: h, local: local, remote: remote}
	if isNewSARequest(h) {
		e.handleInitRequest(in)
		return
	}
	// Our SPI is the initiator's when the sender is the responder.
	spi := h.SPIi
	if h.IsInitiator() {
		spi = h.SPIr
	}
	e.mu.Lock()
	sa := e.sas[spi]
	e.mu.Unlock()
	if sa != nil {
		sa.deliver(in)
		return
	}
	e.unknownSPI(in)
}

// datagram is a received message with its header already parsed.
type datagram struct {
	pkt           []byte
	hdr           wire.Header
	local, remote netip.AddrPort
}

func isNewSARequest(h wire.Header) bool {
	return h.Exchange == wire.IKE_SA_INIT && !h.IsResponse() && h.IsInitiator() && h.SPIr == 0 && h.MessageID == 0
}

// unknownSPI follows RFC 7296 2.21.4: responses are never answered; a
// protected request may get an unprotected INVALID_IKE_SPI notify, sent
// back to where it came from with the SPIs and Message ID copied, at a
// limited rate so that we cannot be used to reflect traffic.
func (e *Endpoint) unknownSPI(in datagram) {
	h := in.hdr
	if h.IsResponse() || h.Exchange == wire.IKE_SA_INIT || (h.NextPayload != wire.PayloadSK && h.NextPayload != wire.PayloadSKF) {
		return
	}
	e.mu.Lock()
	ok := e.spiLimit.allow(time.Now())
	e.mu.Unlock()
	if !ok {
		return
	}
	flags := wire.FlagResponse
	if !h.IsInitiator() {
		flags |= wire.FlagInitiator // we answer as the other side
	}
	m := &wire.Message{Header: wire.Header{SPIi: h.SPIi, SPIr: h.SPIr, MajorVersion: 2, Exchange: wire.INFORMATIONAL,
		Flags: flags, MessageID: h.MessageID}, Payloads: []wire.Payload{&wire.Notify{NotifyType: wire.INVALID_IKE_SPI}}}
	if b, err := m.Encode(); err == nil {
		e.send(b, in.local, in.remote)
	}
}

// handleInitRequest routes an IKE_SA_INIT request: a retransmission goes
// to the half-open SA it created; otherwise, under load, a request
// without a valid COOKIE gets one, and else a responder SA is created.
func (e *Endpoint) handleInitRequest(in datagram) {
	key := halfKey{in.remote, in.hdr.SPIi}
	e.mu.Lock()
	sa, dup := e.halfOpen[key]
	halfOpen := len(e.halfOpen)
	e.mu.Unlock()
	if dup {
		sa.deliver(in)
		return
	}
	if e.resp == nil {
		return
	}
	m, err := wire.Decode(in.pkt)
	if err != nil {
		e.answerInitError(in, err)
		return
	}
	if halfOpen >= e.resp.HalfOpenMax && !e.cookieOK(m, in.remote.Addr()) {
		e.sendCookie(in, m)
		return
	}
	e.newResponder(in, key)
}

func (e *Endpoint) newResponder(in datagram, key halfKey) {
	sa, err := e.newSA(*e.resp, false, in.local, in.remote)
	if err != nil {
		return
	}
	sa.spii = in.hdr.SPIi
	e.mu.Lock()
	e.halfOpen[key] = sa
	e.mu.Unlock()
	sa.start(nil, nil)
	sa.deliver(in)
}

// answerInitError decides whether an IKE_SA_INIT request that does not
// decode gets an answer. Only an unknown critical payload in an otherwise
// intact payload chain does: RFC 7296 2.5 requires
// UNSUPPORTED_CRITICAL_PAYLOAD. Anything else may be garbage under a
// spoofed source address, and answering it would make us a reflector,
// so it is dropped and counted. Requests that decode but are wrong (no
// KE, wrong group, no acceptable proposal) are answered by the responder
// SA as the RFC asks.
func (e *Endpoint) answerInitError(in datagram, err error) {
	var ne *wire.NotifyError
	if !errors.Is(err, wire.ErrCritical) || !errors.As(err, &ne) || !chainIntact(in.pkt, in.hdr) {
		e.dropUndecodable(in.remote, err)
		return
	}
	e.sendInitNotify(in, &wire.Notify{NotifyType: ne.Type, Data: ne.Data})
}

// chainIntact walks the generic payload headers of a message whose IKE
// header decoded: every payload at least 4 bytes long, the last one
// ending exactly where the message does.
func chainIntact(pkt []byte, h wire.Header) bool {
	end := int(h.Length)
	off, next := wire.HeaderLen, h.NextPayload
	for next != wire.PayloadNone {
		if off+4 > end {
			return false
		}
		n := int(binary.BigEndian.Uint16(pkt[off+2:]))
		if n < 4 || off+n > end {
			return false
		}
		next = wire.PayloadType(pkt[off])
		off += n
	}
	return off == end
}

// dropUndecodable counts a datagram that is not IKE as far as we can
// tell; it gets no answer.
func (e *Endpoint) dropUndecodable(from netip.AddrPort, err error) {
	e.stats.undecodable.Add(1)
	e.log.Debug("dropping undecodable datagram", "from", from, "err", err)
}

func (e *Endpoint) sendInitNotify(in datagram, n *wire.Notify) {
	m := &wire.Message{Header: wire.Header{SPIi: in.hdr.SPIi, MajorVersion: 2, Exchange: wire.IKE_SA_INIT,
		Flags: wire.FlagResponse}, Payloads: []wire.Payload{n}}
	if b, err := m.Encode(); err == nil {
		e.send(b, in.local, in.remote)
	}
}

func (e *Endpoint) cookieOK(m *wire.Message, ip netip.Addr) bool {
	c := findNotify(m.Payloads, wire.COOKIE)
	ni := findNonce(m.Payloads)
	return c != nil && ni != nil && e.cookies.check(c.Data, ni, ip, m.SPIi)
}

func (e *Endpoint) sendCookie(in datagram, m *wire.Message) {
	ni := findNonce(m.Payloads)
	if ni == nil {
		return
	}
	e.log.Debug("half-open limit reached, asking for a cookie", "from", in.remote)
	e.sendInitNotify(in, &wire.Notify{NotifyType: wire.COOKIE, Data: e.cookies.make(ni, in.remote.Addr(), m.SPIi)})
}
