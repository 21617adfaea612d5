package ike

import (
	"errors"
	"fmt"

	"flexvpn/tunnel/ike/wire"
)

// IKE_AUTH (RFC 7296 1.2), with the first Child SA and configuration:
//
//	Initiator                         Responder
//	HDR, SK {IDi, [CERT,] [CERTREQ,] [IDr,] AUTH, [CP(CFG_REQUEST),]
//	         SAi2, TSi, TSr, N(INITIAL_CONTACT)}  -->
//	                               <--  HDR, SK {IDr, [CERT,] AUTH, [CP(CFG_REPLY),]
//	                                             SAr2, TSi, TSr}
//
// With EAP the initiator leaves AUTH out and the exchange repeats (see
// ike_eap.go).

type ikeAuthTask struct {
	child *childNegotiation
	eap   *eapInitiator
}

func newIKEAuthTask() *ikeAuthTask { return &ikeAuthTask{} }

func (t *ikeAuthTask) kind() taskKind              { return taskIKEAuth }
func (t *ikeAuthTask) exchange() wire.ExchangeType { return wire.IKE_AUTH }

func (t *ikeAuthTask) build(sa *SA) ([]wire.Payload, error) {
	if t.eap != nil && t.eap.started {
		return t.eap.pending, nil
	}
	ps := []wire.Payload{sa.cfg.LocalID.payload(false)}
	if cr := sa.certReq(); cr != nil {
		ps = append(ps, cr)
	}
	if !sa.cfg.RemoteID.IsZero() {
		ps = append(ps, sa.cfg.RemoteID.payload(true))
	}
	if sa.cfg.EAP != nil {
		conv, err := sa.cfg.EAP()
		if err != nil {
			return nil, err
		}
		t.eap = &eapInitiator{conv: conv}
	} else {
		auth, err := sa.ourAuth(sa.signedOctets(true, sa.cfg.LocalID))
		if err != nil {
			return nil, err
		}
		ps = append(ps, auth...)
	}
	if !sa.cfg.NoInitialContact {
		ps = append(ps, &wire.Notify{NotifyType: wire.INITIAL_CONTACT})
	}
	if sa.cfg.WindowSize > 1 {
		ps = append(ps, wire.NewSetWindowSize(uint32(sa.cfg.WindowSize)))
	}
	if cp := sa.cfg.configPayload(); cp != nil {
		ps = append(ps, cp)
	}
	t.child = sa.newChildNegotiation(nil)
	return append(ps, sa.childRequestPayloads(t.child, false)...), nil
}

func (t *ikeAuthTask) process(sa *SA, m *message) (step, error) {
	if findNotify(m.payloads, wire.AUTHENTICATION_FAILED) != nil {
		return 0, &PeerError{Type: wire.AUTHENTICATION_FAILED, Hint: "the gateway rejected our credentials"}
	}
	switch {
	case t.eap != nil && t.eap.done:
		if err := t.eap.verifyFinal(sa, m); err != nil {
			return 0, t.authFailed(sa, err)
		}
		return stepDone, t.complete(sa, m)
	case t.eap != nil && t.eap.started:
		return t.eap.round(sa, m)
	}
	if err := t.verifyResponder(sa, m); err != nil {
		return 0, t.authFailed(sa, err)
	}
	if t.eap != nil {
		return t.eap.round(sa, m)
	}
	return stepDone, t.complete(sa, m)
}

// verifyResponder checks IDr and the responder's AUTH.
func (t *ikeAuthTask) verifyResponder(sa *SA, m *message) error {
	idr := findID(m.payloads, wire.PayloadIDr)
	if idr == nil {
		return fmt.Errorf("%w: response has no IDr", ErrAuthFailed)
	}
	id := Identity{Type: idr.IDType, Data: idr.Data}
	if err := sa.verifyPeer(m.payloads, id, sa.signedOctets(false, id)); err != nil {
		return err
	}
	sa.peerID = id
	return nil
}

// complete finishes a verified IKE_AUTH: window, CP reply, Child SA.
func (t *ikeAuthTask) complete(sa *SA, m *message) error {
	ps := m.payloads
	sa.learnWindow(ps)
	if rd := findNotify(ps, wire.REDIRECT); rd != nil {
		return sa.redirectInAuth(rd)
	}
	if n := wire.FirstError(ps); n != nil {
		// The gateway's IKE SA is up without a Child SA (RFC 7296 1.2);
		// we have no use for it, so delete it rather than leave it to the
		// gateway's liveness checks.
		sa.sendOneWay(wire.INFORMATIONAL, []wire.Payload{wire.NewDeleteIKE()})
		return &PeerError{Type: n.NotifyType, Hint: "the gateway authenticated but refused the tunnel"}
	}
	if cp := first[*wire.CP](ps); cp != nil {
		rep, err := configFromResponse(cp)
		if err != nil {
			return err
		}
		sa.configRep = rep
	}
	child, err := sa.childFromResponse(t.child, ps, sa.ni, sa.nr, nil)
	if err != nil {
		return err
	}
	sa.established()
	sa.installChild(child, nil)
	return nil
}

// authFailed tells the responder that we could not authenticate it
// (RFC 7296 2.21.2: an INFORMATIONAL with AUTHENTICATION_FAILED, not
// waiting for the answer) and returns the error that ends the SA.
func (t *ikeAuthTask) authFailed(sa *SA, err error) error {
	sa.log.Warn("peer authentication failed", "reason", err)
	sa.sendOneWay(wire.INFORMATIONAL, []wire.Payload{&wire.Notify{NotifyType: wire.AUTHENTICATION_FAILED}})
	return err
}

// learnWindow honours SET_WINDOW_SIZE.
func (sa *SA) learnWindow(ps []wire.Payload) {
	if n := findNotify(ps, wire.SET_WINDOW_SIZE); n != nil {
		if w, err := wire.ParseSetWindowSize(n); err == nil && w >= 1 {
			sa.peer.window = int(min(w, 64))
		}
	}
}

// respondAuth is the responder's IKE_AUTH.
func (sa *SA) respondAuth(m *message) ([]wire.Payload, func(), error) {
	if sa.eapState != nil {
		return sa.respondEAP(m)
	}
	if sa.state != StateInitReplied || len(sa.inter.pending) > 0 {
		return nil, nil, notifyErr(wire.INVALID_SYNTAX, "IKE_AUTH in state %v with %d additional key exchanges left", sa.state, len(sa.inter.pending))
	}
	idi := findID(m.payloads, wire.PayloadIDi)
	if idi == nil {
		return nil, nil, notifyErr(wire.INVALID_SYNTAX, "IKE_AUTH without IDi")
	}
	id := Identity{Type: idi.IDType, Data: idi.Data}
	if err := sa.choosePeerPSK(id); err != nil {
		return nil, nil, err
	}
	if first[*wire.Auth](m.payloads) == nil && sa.cfg.EAPServer != nil {
		return sa.startEAP(m, id)
	}
	if err := sa.verifyPeer(m.payloads, id, sa.signedOctets(true, id)); err != nil {
		sa.log.Warn("peer authentication failed", "peer", id, "reason", err)
		return nil, nil, &wire.NotifyError{Type: wire.AUTHENTICATION_FAILED, Msg: err.Error(), Err: err}
	}
	sa.peerID = id
	return sa.finishAuth(m)
}

// finishAuth builds the final IKE_AUTH response after the initiator is
// authenticated: our ID and AUTH, the CP reply and the Child SA.
func (sa *SA) finishAuth(m *message) ([]wire.Payload, func(), error) {
	auth, err := sa.ourAuth(sa.signedOctets(false, sa.cfg.LocalID))
	if err != nil {
		return nil, nil, err
	}
	return sa.completeAuth(m.payloads, append([]wire.Payload{sa.cfg.LocalID.payload(true)}, auth...))
}

// completeAuth answers the CP request and the Child SA of the request
// payloads req after ours (ID/CERT/AUTH). A refused Child SA or CP does
// not fail the IKE SA: its notify goes in the response.
func (sa *SA) completeAuth(req, ours []wire.Payload) ([]wire.Payload, func(), error) {
	sa.learnWindow(req)
	if n, ok := sa.redirectAuthenticated(); ok {
		return append(ours, n), nil, nil
	}
	ps := ours
	if sa.cfg.WindowSize > 1 {
		ps = append(ps, wire.NewSetWindowSize(uint32(sa.cfg.WindowSize)))
	}
	cps, err := sa.respondConfig(req)
	var child *ChildSA
	if err == nil {
		ps = append(ps, cps...)
		sa.askChildSelectors()
		var cs []wire.Payload
		cs, child, err = sa.respondChild(req, sa.ni, sa.nr, nil, nil)
		ps = append(ps, cs...)
	}
	var ne *wire.NotifyError
	if err != nil && !errors.As(err, &ne) {
		return nil, nil, err
	}
	if ne != nil && ne.Type == wire.AUTHENTICATION_FAILED {
		return nil, nil, policyRefused(ne)
	}
	if ne != nil {
		sa.log.Info("IKE SA without Child SA", "reason", ne)
		ps = append(ps, &wire.Notify{NotifyType: ne.Type, Data: ne.Data})
	}
	// INITIAL_CONTACT replaces the peer's older SAs only once this one is
	// accepted: a policy that refused it (say, over a per-identity cap
	// that counts the old ones) must not leave the peer with neither.
	sa.establishResponder(child, ne == nil && findNotify(req, wire.INITIAL_CONTACT) != nil)
	return ps, nil, nil
}

// establishResponder brings the SA and its first Child SA up before the
// IKE_AUTH response is sent: the initiator may send ESP the moment it
// reads the response, and a Child SA installed after transmitting would
// lose those first packets as an unknown SPI. EventUp still precedes
// EventChildUp.
func (sa *SA) establishResponder(child *ChildSA, initialContact bool) {
	sa.established()
	if initialContact {
		sa.ep.replaceOlder(sa)
	}
	if child != nil {
		sa.installChild(child, nil)
	}
}

// policyRefused is a hook's AUTHENTICATION_FAILED after the peer proved
// its identity (a session cap, an unknown user): the IKE SA is then not
// created at all (RFC 7296 2.21.2), rather than left up without a Child
// SA for a peer that gives up on it.
func policyRefused(ne *wire.NotifyError) *wire.NotifyError {
	if ne.Err != nil {
		return ne
	}
	return &wire.NotifyError{Type: ne.Type, Data: ne.Data, Msg: ne.Msg,
		Err: fmt.Errorf("%w: policy refused the peer: %s", ErrAuthFailed, ne.Msg)}
}
