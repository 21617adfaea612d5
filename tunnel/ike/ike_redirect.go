package ike

import (
	"bytes"
	"fmt"

	"flexvpn/tunnel/ike/wire"
)

// Redirect (RFC 5685). The engine reports where the gateway sends us with
// an EventRedirect and ends the SA with ErrRedirected; following it (a new
// Initiate with Config.RedirectedFrom) is the caller's policy, bounded by
// MaxRedirects there.

// redirectInInit handles REDIRECT in an IKE_SA_INIT response: valid only
// with the nonce we sent, else the response is ignored and we keep waiting.
func (sa *SA) redirectInInit(n *wire.Notify) (step, error, bool) {
	rd, err := wire.ParseRedirect(n)
	if err != nil || !bytes.Equal(rd.Nonce, sa.ni) {
		sa.log.Info("ignoring REDIRECT without our nonce")
		return stepKeepWaiting, nil, true
	}
	return 0, sa.redirected(rd.Gateway), true
}

// redirectInAuth acts on REDIRECT in IKE_AUTH, after the gateway's AUTH
// verified: we delete the SA without waiting for an answer.
func (sa *SA) redirectInAuth(n *wire.Notify) error {
	rd, err := wire.ParseRedirect(n)
	if err != nil {
		return fmt.Errorf("%w: bad REDIRECT: %v", ErrProtocol, err)
	}
	sa.sendOneWay(wire.INFORMATIONAL, []wire.Payload{wire.NewDeleteIKE()})
	return sa.redirected(rd.Gateway)
}

// redirectEstablished reports REDIRECT for an established SA; after our
// (empty) answer we delete the SA ourselves.
func (sa *SA) redirectEstablished(n *wire.Notify) func() {
	rd, err := wire.ParseRedirect(n)
	if err != nil {
		sa.log.Info("ignoring malformed REDIRECT", "err", err)
		return nil
	}
	sa.log.Info("gateway redirects us", "to", rd.Gateway)
	sa.ep.emit(Event{Kind: EventRedirect, SA: sa, Redirect: rd.Gateway})
	return func() { sa.queue(newIKEDeleteTask()) }
}

func (sa *SA) redirected(gw wire.GatewayID) error {
	sa.log.Info("gateway redirects us", "to", gw)
	sa.ep.emit(Event{Kind: EventRedirect, SA: sa, Redirect: gw})
	return fmt.Errorf("%w to %s", ErrRedirected, gw)
}

// sendOneWay sends a request whose answer we will not wait for.
func (sa *SA) sendOneWay(exch wire.ExchangeType, ps []wire.Payload) {
	pkts, err := sa.encode(exch, sa.tm.nextID, false, ps)
	if err != nil {
		return
	}
	sa.tm.nextID++
	sa.transmit(pkts, sa.local, sa.remote)
}
