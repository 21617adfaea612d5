package ike

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strings"

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
	if err := sa.redirected(rd.Gateway); errors.Is(err, ErrRedirectLoop) {
		return nil // a loop: stay on this gateway
	}
	return func() { sa.queue(newIKEDeleteTask()) }
}

func (sa *SA) redirected(gw wire.GatewayID) error {
	if !sa.ep.allowRedirect(sa.cfg.MaxRedirects) {
		sa.log.Warn("ignoring redirect: too many in a short time", "to", gw, "max", sa.cfg.MaxRedirects)
		return fmt.Errorf("%w: more than %d within %v (last to %s)", ErrRedirectLoop, sa.cfg.MaxRedirects, redirectWindow, gw)
	}
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

// redirectTask is the gateway side: INFORMATIONAL with REDIRECT for an
// established SA (RFC 5685 5); the client answers and deletes the SA.
type redirectTask struct{ gw wire.GatewayID }

func (redirectTask) kind() taskKind              { return taskRedirect }
func (redirectTask) exchange() wire.ExchangeType { return wire.INFORMATIONAL }

func (t redirectTask) build(*SA) ([]wire.Payload, error) {
	n, err := wire.NewRedirect(t.gw, nil)
	if err != nil {
		return nil, err
	}
	return []wire.Payload{n}, nil
}

func (redirectTask) process(*SA, *message) (step, error) { return stepDone, nil }

// Redirect asks the peer of an established SA to move to gw. Only the
// responder (gateway) may redirect, and only peers that announced
// REDIRECT_SUPPORTED.
func (sa *SA) Redirect(gw wire.GatewayID) error {
	err := ErrSADeleted
	if derr := sa.do(func() {
		switch {
		case sa.initiator || !sa.peer.redirect:
			err = fmt.Errorf("%w: peer does not support redirects", ErrInvalidConfig)
		case sa.state == StateEstablished:
			err = nil
			sa.queue(redirectTask{gw: gw})
		}
	}); errors.Is(derr, ErrReentrant) {
		return derr
	}
	return err
}

// redirectNewPeer asks the policy about a new initiator in IKE_SA_INIT;
// the answer carries the initiator's nonce (RFC 5685 4.2) and the SA
// ends right after it, keeping no state for the redirected peer.
func (sa *SA) redirectNewPeer(m *message, ni []byte) ([]wire.Payload, func(), bool) {
	supported, from := redirectCaps(m.payloads)
	if !supported {
		return nil, nil, false
	}
	gw, ok := sa.askRedirectInit(m.remote, from)
	if !ok || sa.redirectsBack(gw, from) {
		return nil, nil, false
	}
	n, err := wire.NewRedirect(gw, ni)
	if err != nil {
		sa.log.Info("cannot encode redirect", "to", gw, "err", err)
		return nil, nil, false
	}
	sa.log.Info("redirecting new peer", "peer", m.remote, "to", gw)
	sa.ep.unregister(sa)
	return []wire.Payload{n}, func() { sa.fail(fmt.Errorf("%w %s (peer %s)", ErrRedirected, gw, m.remote)) }, true
}

// askRedirectInit asks the IKE_SA_INIT policy: RedirectInit, which
// learns where the peer came from, else Redirect with a nil peer.
func (sa *SA) askRedirectInit(remote netip.AddrPort, from *wire.GatewayID) (wire.GatewayID, bool) {
	switch {
	case sa.cfg.RedirectInit != nil:
		return sa.cfg.RedirectInit(remote, from)
	case sa.cfg.Redirect != nil:
		return sa.cfg.Redirect(remote, nil)
	}
	return wire.GatewayID{}, false
}

// redirectAuthenticated asks the policy about a peer IKE_AUTH just
// authenticated; the REDIRECT goes in the IKE_AUTH response instead of
// the CP reply and Child SA, and the peer deletes the SA.
func (sa *SA) redirectAuthenticated() (*wire.Notify, bool) {
	if sa.cfg.Redirect == nil || !sa.peer.redirect {
		return nil, false
	}
	pi := sa.peerInfo()
	gw, ok := sa.cfg.Redirect(sa.remote, &pi)
	if !ok || sa.redirectsBack(gw, sa.peer.redirectedBy) {
		return nil, false
	}
	n, err := wire.NewRedirect(gw, nil)
	if err != nil {
		return nil, false
	}
	sa.log.Info("redirecting authenticated peer", "peer", sa.peerID, "to", gw)
	return n, true
}

// redirectCaps reads a new peer's redirect notifies: a peer that was
// redirected sends REDIRECTED_FROM instead of REDIRECT_SUPPORTED (RFC
// 5685 4.2), which tells us it supports redirects too. An unparsable
// REDIRECTED_FROM still counts as support, with no known origin.
func redirectCaps(ps []wire.Payload) (supported bool, from *wire.GatewayID) {
	if n := findNotify(ps, wire.REDIRECTED_FROM); n != nil {
		if g, err := wire.ParseRedirectedFrom(n); err == nil {
			from = &g
		}
		return true, from
	}
	return findNotify(ps, wire.REDIRECT_SUPPORTED) != nil, nil
}

// redirectsBack refuses a redirect to the gateway the peer came from,
// whatever the policy chose: the two gateways would bounce it between
// them until its redirect limit ends the connection.
func (sa *SA) redirectsBack(gw wire.GatewayID, from *wire.GatewayID) bool {
	if from == nil || !sameGateway(gw, *from) {
		return false
	}
	sa.log.Info("not redirecting a peer back where it came from", "gateway", gw)
	return true
}

func sameGateway(a, b wire.GatewayID) bool {
	if a.Addr.IsValid() || b.Addr.IsValid() {
		return a.Addr.Unmap() == b.Addr.Unmap()
	}
	return strings.EqualFold(strings.TrimSuffix(a.FQDN, "."), strings.TrimSuffix(b.FQDN, "."))
}
