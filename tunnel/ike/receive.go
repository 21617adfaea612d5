package ike

import (
	"errors"
	"net/netip"
	"time"

	"flexvpn/tunnel/ike/wire"
)

// message is a received message with its (decrypted) payloads.
type message struct {
	hdr           wire.Header
	payloads      []wire.Payload
	raw           []byte           // the datagram, kept for IKE_SA_INIT (AUTH covers it)
	first         wire.PayloadType // first inner payload of an SK message
	plain         []byte           // its decrypted inner payloads (IntAuth covers them)
	local, remote netip.AddrPort
}

// receive decodes, authenticates and dispatches one datagram.
func (sa *SA) receive(d datagram) {
	m, err := wire.Decode(d.pkt)
	if err != nil {
		sa.decodeFailed(d, err)
		return
	}
	if !sa.plausible(m) {
		return
	}
	msg := &message{hdr: m.Header, local: d.local, remote: d.remote}
	if m.Exchange == wire.IKE_SA_INIT {
		msg.payloads, msg.raw = m.Payloads, d.pkt
		sa.dispatch(msg)
		return
	}
	sa.receiveProtected(m, msg)
}

// plausible checks the header against our SPIs and role; messages under
// the SPIs of a rekeyed SA go to its retired keys.
func (sa *SA) plausible(m *wire.Message) bool {
	if m.Exchange != wire.IKE_SA_INIT && (m.SPIi != sa.spii || m.SPIr != sa.spir) {
		sa.onRetiredSPIs(m)
		return false
	}
	return m.IsInitiator() != sa.ikeInitiator // else a message claiming our own role
}

// receiveProtected authenticates an SK message or collects an SKF fragment.
func (sa *SA) receiveProtected(m *wire.Message, msg *message) {
	if sa.in == nil || len(m.Payloads) == 0 {
		return
	}
	if !m.IsResponse() {
		switch sa.tm.classify(m.MessageID) {
		case reqOutOfWindow:
			sa.log.Debug("request outside window", "id", m.MessageID)
			return
		case reqDuplicate:
			sa.resendCached(m, msg)
			return
		}
	}
	first, plain, complete, err := sa.unprotect(m)
	if err != nil {
		sa.log.Debug("dropping message that fails to verify", "id", m.MessageID, "err", err)
		return
	}
	if !complete {
		return
	}
	ps, err := wire.DecodePayloads(first, plain)
	if err != nil {
		sa.innerDecodeFailed(msg, err)
		return
	}
	msg.payloads, msg.first, msg.plain = ps, first, plain
	sa.dispatch(msg)
}

// resendCached answers a retransmitted request from the cache once its
// integrity verifies; for a fragmented request only fragment 1 triggers
// the resend so that N fragments do not cause N answers.
func (sa *SA) resendCached(m *wire.Message, msg *message) {
	if _, _, _, err := sa.openOne(m); err != nil && !sa.openPrevIntermediate(m) {
		return
	}
	if f, ok := m.Payloads[0].(*wire.SKF); ok && f.FragmentNumber != 1 {
		return
	}
	sa.log.Debug("duplicate request, resending cached response", "id", m.MessageID)
	sa.transmit(sa.tm.cache[m.MessageID], msg.local, msg.remote)
}

// dispatch routes requests and responses and records liveness.
func (sa *SA) dispatch(m *message) {
	sa.lastRecv = time.Now()
	if m.hdr.IsResponse() {
		sa.handleResponse(m)
		return
	}
	sa.handleRequest(m)
}

// decodeFailed drops and counts a message whose outer structure does not
// decode: nothing in it is authenticated, so it gets no answer (RFC 7296
// 2.21.1 allows error answers only once the message is authenticated;
// those come from innerDecodeFailed).
func (sa *SA) decodeFailed(d datagram, err error) {
	sa.ep.dropUndecodable(d.remote, err)
}

// innerDecodeFailed answers an authenticated request whose inner payloads
// do not decode with the decoder's notify (UNSUPPORTED_CRITICAL_PAYLOAD,
// INVALID_SYNTAX). A bad response ends the exchange as a failure.
func (sa *SA) innerDecodeFailed(m *message, err error) {
	var ne *wire.NotifyError
	if !errors.As(err, &ne) {
		return
	}
	if m.hdr.IsResponse() {
		sa.log.Info("response does not decode", "err", err)
		if i := sa.tm.find(m.hdr.MessageID); i >= 0 {
			sa.fail(err)
		}
		return
	}
	sa.log.Info("request does not decode, answering", "notify", ne.Type, "err", err)
	sa.reply(m, []wire.Payload{&wire.Notify{NotifyType: ne.Type, Data: ne.Data}}, nil)
	if sa.state < StateEstablished {
		sa.fail(err)
	}
}
