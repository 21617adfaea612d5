package ike

import (
	"bytes"

	"flexvpn/tunnel/ike/wire"
)

// Simultaneous IKE SA rekeying (RFC 7296 2.8.2). When both ends rekey at
// once, each answers the other's request while its own is outstanding:
//
//	A: CREATE_CHILD_SA {SA, Ni1, KE}  -->  <--  B: CREATE_CHILD_SA {SA, Ni2, KE}
//	A: <-- {SA, Nr1, KE}                        B: <-- {SA, Nr2, KE}
//
// Three IKE SAs then exist: the old one and two new ones. The new SA
// whose exchange holds the lowest of the four nonces is redundant: the
// end that initiated it deletes it (under its own keys), and the other
// end, whose SA survives, deletes the old one. Both ends reach the same
// verdict from the same nonces, so each moves to the survivor at once;
// the Child SAs follow since they belong to this SA object.
//
// When only one end notices (the other completed its rekey before ours
// arrived and answers it with TEMPORARY_FAILURE), no redundant SA
// exists: the Delete of the old SA, or that refusal, tells the noticing
// end to take the peer's new SA and forget its own attempt.

// crossedRekey is the peer's rekey we answered while ours was
// outstanding: the keys it created and the nonces of its exchange.
type crossedRekey struct {
	next   keyState
	ni, nr []byte
}

// activeIKERekey is our outstanding IKE rekey request, if any.
func (sa *SA) activeIKERekey() *ikeRekeyTask {
	for _, o := range sa.tm.active {
		if t, ok := o.t.(*ikeRekeyTask); ok {
			return t
		}
	}
	return nil
}

// settleCrossedRekey applies the tie-break once our rekey (keys ours,
// nonces ni and nr) has completed as well as the peer's.
func (sa *SA) settleCrossedRekey(ours keyState, ni, nr []byte) {
	theirs := sa.crossed
	sa.crossed = nil
	if bytes.Compare(minNonce(ni, nr), minNonce(theirs.ni, theirs.nr)) < 0 {
		sa.log.Info("simultaneous IKE SA rekey: ours is redundant, deleting it")
		sa.underKeys(&ours, func() {
			sa.sendOneWay(wire.INFORMATIONAL, []wire.Payload{wire.NewDeleteIKE()})
		})
		sa.ep.releaseSPI(ours.localSPI(), sa)
		sa.switchKeys(theirs.next) // retires the old SA, whose Delete the peer sends
		return
	}
	sa.log.Info("simultaneous IKE SA rekey: ours survives, deleting the old SA")
	sa.sendOneWay(wire.INFORMATIONAL, []wire.Payload{wire.NewDeleteIKE()})
	sa.switchKeys(ours)
	sa.retire(theirs.next) // to answer the peer's Delete of its redundant SA
}

// adoptCrossedRekey moves to the peer's new SA when the peer completed
// its rekey without seeing ours; our own attempt dies with the old SA.
func (sa *SA) adoptCrossedRekey() {
	c := sa.crossed
	sa.crossed = nil
	if t := sa.activeIKERekey(); t != nil {
		sa.ep.releaseSPI(t.spi, sa)
	}
	sa.setState(StateEstablished)
	sa.switchKeys(c.next)
}

// dropQueued removes queued (not yet sent) tasks of kind k.
func (sa *SA) dropQueued(k taskKind) {
	kept := sa.tm.queue[:0]
	for _, t := range sa.tm.queue {
		if t.kind() != k {
			kept = append(kept, t)
		}
	}
	sa.tm.queue = kept
}
