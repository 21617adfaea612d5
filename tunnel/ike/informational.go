package ike

import (
	"fmt"

	"flexvpn/tunnel/ike/wire"
)

// respondInformational answers an INFORMATIONAL request (RFC 7296 1.4):
// an empty one is a liveness check (DPD); Delete payloads remove the IKE
// SA or Child SAs; notifies report authentication failure or a redirect.
func (sa *SA) respondInformational(m *message) ([]wire.Payload, func(), error) {
	if n := findNotify(m.payloads, wire.AUTHENTICATION_FAILED); n != nil {
		sa.log.Warn("peer could not authenticate us")
		return nil, func() {
			sa.fail(&PeerError{Type: wire.AUTHENTICATION_FAILED, Hint: "the peer could not verify our authentication"})
		}, nil
	}
	var ps []wire.Payload
	var after func()
	for _, d := range all[*wire.Delete](m.payloads) {
		if d.Protocol == wire.ProtoIKE && sa.crossed != nil {
			// The peer's rekey, which crossed ours, replaces this SA.
			sa.log.Info("peer deleted the IKE SA it rekeyed; moving to its new SA")
			return nil, sa.adoptCrossedRekey, nil
		}
		if d.Protocol == wire.ProtoIKE {
			sa.log.Info("peer deleted the IKE SA")
			sa.setState(StateDeleting)
			return nil, func() { sa.fail(ErrPeerDeleted) }, nil
		}
		if del := sa.deleteChildrenByPeer(d); del != nil {
			ps = append(ps, del)
		}
	}
	if rd := findNotify(m.payloads, wire.REDIRECT); rd != nil {
		after = sa.redirectEstablished(rd)
	}
	return ps, after, nil
}

// deleteChildrenByPeer removes the Child SAs whose outbound SPIs the peer
// deletes and returns our Delete for the inbound halves (RFC 7296 1.4.1).
func (sa *SA) deleteChildrenByPeer(d *wire.Delete) *wire.Delete {
	if d.Protocol != wire.ProtoESP {
		return nil
	}
	var ours []uint32
	for _, raw := range d.SPIs {
		spi, ok := spi32(raw)
		if !ok {
			continue
		}
		if c := sa.childByOutSPI(spi); c != nil {
			ours = append(ours, c.InSPI)
			sa.dropChild(c)
		}
	}
	if len(ours) == 0 {
		return nil
	}
	return wire.NewDeleteESP(ours...)
}

// dropChild removes c and reports it.
func (sa *SA) dropChild(c *ChildSA) {
	sa.removeChild(c)
	sa.log.Info("Child SA deleted", "child", c.String())
	sa.ep.emit(Event{Kind: EventChildDown, SA: sa, Child: c})
}

// userMessage turns an SA failure into a sentence for the user.
func userMessage(err error) string {
	var pe *PeerError
	switch {
	case asPeerError(err, &pe) && pe.Hint != "":
		return fmt.Sprintf("The gateway refused the connection (%s): %s.", pe.Type, pe.Hint)
	case asPeerError(err, &pe):
		return fmt.Sprintf("The gateway refused the connection (%s).", pe.Type)
	case isErr(err, errDeadPeer):
		return "The gateway stopped answering (dead peer detection); reconnecting should help."
	case isErr(err, ErrTimeout):
		return "The gateway did not answer; check its address and that UDP ports 500 and 4500 are open."
	case isErr(err, ErrAuthFailed):
		return "Authentication of the gateway failed: " + err.Error() + ". Check the gateway's identity, certificate and CA settings."
	case isErr(err, ErrPeerDeleted):
		return "The gateway closed the connection."
	}
	return "The connection failed: " + err.Error() + "."
}
