package ike

import (
	"errors"
	"fmt"

	"flexvpn/tunnel/ike/wire"
)

// handleRequest answers a request from the peer: duplicates from the
// cache, new ones through the exchange's responder.
func (sa *SA) handleRequest(m *message) {
	if m.hdr.Exchange == wire.IKE_SA_INIT {
		if !sa.acceptInitRequest(m) {
			return
		}
	} else if sa.tm.classify(m.hdr.MessageID) != reqNew {
		return // verified duplicates were answered before decryption
	}
	if m.hdr.Exchange != wire.IKE_SA_INIT {
		sa.local, sa.remote = m.local, m.remote // follow the peer through NATs
	}
	ps, after, err := sa.checkedRespond(m)
	if err != nil {
		var ne *wire.NotifyError
		if !errors.As(err, &ne) {
			sa.log.Info("cannot answer request", "exchange", m.hdr.Exchange, "err", err)
			sa.fail(err)
			return
		}
		ps = []wire.Payload{&wire.Notify{NotifyType: ne.Type, Data: ne.Data}}
		after = sa.afterError(m, ne, after)
	}
	sa.reply(m, ps, after)
}

// acceptInitRequest answers a retransmitted IKE_SA_INIT from the cache
// and lets only the first one through.
func (sa *SA) acceptInitRequest(m *message) bool {
	if sa.initiator || m.hdr.MessageID != 0 {
		return false
	}
	if pkts, ok := sa.tm.cache[0]; ok {
		sa.transmit(pkts, m.local, m.remote)
		return false
	}
	return sa.state == StateIdle
}

// afterError decides what a failed request does to the SA: before the
// SA is established any failure ends it (a stateless IKE_SA_INIT answer
// first unregisters, so the initiator's retry finds a fresh responder).
func (sa *SA) afterError(m *message, ne *wire.NotifyError, after func()) func() {
	if sa.state >= StateEstablished && m.hdr.Exchange != wire.IKE_AUTH {
		return after // a refused CREATE_CHILD_SA or INFORMATIONAL concerns that exchange only
	}
	if m.hdr.Exchange == wire.IKE_SA_INIT {
		sa.ep.unregister(sa)
	}
	return func() {
		if after != nil {
			after()
		}
		sa.fail(localFailure(ne))
	}
}

// localFailure is the error our side of a refused exchange ends with.
func localFailure(ne *wire.NotifyError) error {
	switch {
	case ne.Err != nil && errors.Is(ne.Err, ErrAuthFailed):
		return ne.Err
	case ne.Type == wire.NO_PROPOSAL_CHOSEN:
		return fmt.Errorf("%w: %w", ErrNoProposal, ne)
	}
	return fmt.Errorf("%w: %w", ErrProtocol, ne)
}

// reply encodes, caches and sends the response to m, then runs after.
func (sa *SA) reply(m *message, ps []wire.Payload, after func()) {
	pkts, err := sa.encode(m.hdr.Exchange, m.hdr.MessageID, true, ps)
	if err != nil {
		sa.fail(err)
		return
	}
	if m.hdr.Exchange == wire.IKE_SA_INIT {
		sa.initResp = pkts[0]
	}
	if err := sa.chainSent(m.hdr.Exchange, m.hdr.MessageID, true, ps); err != nil {
		sa.fail(err)
		return
	}
	sa.tm.answered(m.hdr.MessageID, pkts)
	sa.transmit(pkts, m.local, m.remote)
	if after != nil {
		after()
	}
}

// checkedRespond refuses a request whose payloads fit none of the
// exchange's forms (wire's per-exchange table) with INVALID_SYNTAX before
// any task looks at it.
func (sa *SA) checkedRespond(m *message) ([]wire.Payload, func(), error) {
	if err := wire.CheckRules(m.hdr.Exchange, false, m.payloads); err != nil {
		sa.log.Info("request breaks the payload rules", "exchange", m.hdr.Exchange, "err", err)
		return nil, nil, err
	}
	return sa.respond(m)
}

// respond runs the responder side of the request's exchange.
func (sa *SA) respond(m *message) ([]wire.Payload, func(), error) {
	switch m.hdr.Exchange {
	case wire.IKE_SA_INIT:
		return sa.respondInit(m)
	case wire.IKE_INTERMEDIATE:
		return sa.respondIntermediate(m)
	case wire.IKE_FOLLOWUP_KE:
		return sa.respondFollowupKE(m)
	case wire.IKE_AUTH:
		return sa.respondAuth(m)
	case wire.CREATE_CHILD_SA:
		return sa.respondCreateChildSA(m)
	case wire.INFORMATIONAL:
		return sa.respondInformational(m)
	}
	return nil, nil, notifyErr(wire.INVALID_SYNTAX, "unknown exchange %d", m.hdr.Exchange)
}
