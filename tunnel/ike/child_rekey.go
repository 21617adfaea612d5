package ike

import (
	"bytes"
	"errors"
	"fmt"

	"flexvpn/tunnel/ike/crypto"
	"flexvpn/tunnel/ike/wire"
)

// Rekeying a Child SA with CREATE_CHILD_SA (RFC 7296 1.3.3), optionally
// with a fresh key exchange (PFS):
//
//	HDR, SK {N(REKEY_SA), SA, Ni, [KEi], TSi, TSr}  -->
//	                                        <--  HDR, SK {SA, Nr, [KEr], TSi, TSr}
//
// after which the initiator deletes the old SA. When both ends rekey the
// same SA at once (2.8.1) both exchanges complete; the SA created by the
// exchange holding the lowest of the four nonces is redundant and its
// initiator deletes it, while the other initiator deletes the old SA. A
// rekey request for an SA we already replaced and are deleting (the
// peer's crossed ours after ours completed) gets TEMPORARY_FAILURE.

type childRekeyTask struct {
	old *ChildSA
	neg *childNegotiation
}

func (*childRekeyTask) kind() taskKind              { return taskChildRekey }
func (*childRekeyTask) exchange() wire.ExchangeType { return wire.CREATE_CHILD_SA }

func (t *childRekeyTask) build(sa *SA) ([]wire.Payload, error) {
	if sa.childByInSPI(t.old.InSPI) == nil {
		return nil, fmt.Errorf("%w: %w: %s", errSkipTask, ErrNoChild, t.old)
	}
	sa.setState(StateRekeying)
	t.neg = sa.newChildNegotiation(t.old)
	t.neg.nonce = sa.randomBytes(nonceLen)
	ps := []wire.Payload{wire.NewRekeySA(wire.ProtoESP, spiBytes(t.old.InSPI))}
	if sa.cfg.PFSOnRekey {
		kex, err := crypto.NewKeyExchange(sa.suite.KE, sa.rand())
		if err != nil {
			return nil, err
		}
		t.neg.kex = kex
	}
	req := sa.childRequestPayloads(t.neg, t.neg.kex != nil)
	ps = append(ps, req[0], &wire.Nonce{Data: t.neg.nonce})
	if t.neg.kex != nil {
		ps = append(ps, &wire.KE{Group: t.neg.kex.Group(), Data: t.neg.kex.Public()})
	}
	return append(ps, req[1:]...), nil
}

func (t *childRekeyTask) process(sa *SA, m *message) (step, error) {
	sa.setState(StateEstablished)
	defer sa.scheduleChildRekey()
	if n := wire.FirstError(m.payloads); n != nil {
		sa.log.Info("peer refused Child SA rekey", "notify", n.NotifyType)
		sa.ep.releaseChildSPI(t.neg.inSPI)
		delete(sa.peerRekeys, t.old)
		return stepDone, nil
	}
	nr := findNonce(m.payloads)
	gir, err := t.neg.shared(first[*wire.KE](m.payloads))
	if err != nil || nr == nil {
		return stepDone, sa.childRekeyFailed(t, fmt.Errorf("%w: bad rekey response: %v", ErrProtocol, err))
	}
	c, err := sa.childFromResponse(t.neg, m.payloads, t.neg.nonce, nr, gir)
	if err != nil {
		return stepDone, sa.childRekeyFailed(t, err)
	}
	sa.installChild(c, t.old)
	sa.settleRekey(t.old, c, t.neg.nonce, nr)
	return stepDone, nil
}

// childRekeyFailed keeps the old SA; the IKE SA stays up.
func (sa *SA) childRekeyFailed(t *childRekeyTask, err error) error {
	sa.log.Info("Child SA rekey failed", "err", err)
	sa.ep.releaseChildSPI(t.neg.inSPI)
	return nil
}

// shared runs the PFS key exchange when both sides sent KE. It runs
// once, so the private value is forgotten; c.kex stays for its group,
// which childProposals still needs.
func (c *childNegotiation) shared(ke *wire.KE) ([]byte, error) {
	if c.kex == nil {
		return nil, nil
	}
	defer crypto.Forget(c.kex)
	if ke == nil || ke.Group != c.kex.Group() {
		return nil, fmt.Errorf("missing or wrong KE for PFS")
	}
	return c.kex.Shared(ke.Data)
}

// peerRekey remembers a Child SA the peer created by rekeying old, for
// the simultaneous-rekey tie break.
type peerRekey struct {
	child  *ChildSA
	ni, nr []byte
}

// settleRekey decides which SA to delete once our rekey of old is done.
func (sa *SA) settleRekey(old, ours *ChildSA, ni, nr []byte) {
	theirs, crossed := sa.peerRekeys[old]
	delete(sa.peerRekeys, old)
	if crossed && bytes.Compare(minNonce(ni, nr), minNonce(theirs.ni, theirs.nr)) < 0 {
		sa.log.Info("simultaneous rekey: our new SA is redundant", "child", ours.String())
		sa.queue(childDeleteTask{child: ours})
		return
	}
	sa.queue(childDeleteTask{child: old})
}

func minNonce(a, b []byte) []byte {
	if bytes.Compare(a, b) < 0 {
		return a
	}
	return b
}

// respondCreateChildSA answers CREATE_CHILD_SA: an IKE SA rekey, a Child
// SA rekey (REKEY_SA) or an additional Child SA.
func (sa *SA) respondCreateChildSA(m *message) ([]wire.Payload, func(), error) {
	if sa.state != StateEstablished && sa.state != StateRekeying {
		return nil, nil, notifyErr(wire.TEMPORARY_FAILURE, "not established")
	}
	if sap := first[*wire.SA](m.payloads); sap != nil && len(sap.Proposals) > 0 && sap.Proposals[0].Protocol == wire.ProtoIKE {
		return sa.respondIKERekey(m)
	}
	var old *ChildSA
	if n := findNotify(m.payloads, wire.REKEY_SA); n != nil {
		_, raw, err := wire.ParseRekeySA(n)
		spi, ok := spi32(raw)
		if old = sa.childByOutSPI(spi); err != nil || !ok || old == nil {
			return nil, nil, notifyErr(wire.CHILD_SA_NOT_FOUND, "no Child SA %x", raw)
		}
		if sa.deletingChild(old) {
			// We rekeyed it already without seeing the peer's rekey
			// cross ours; a second replacement would be redundant.
			return nil, nil, notifyErr(wire.TEMPORARY_FAILURE, "Child SA %s is being deleted", old)
		}
	}
	ni := findNonce(m.payloads)
	if len(ni) < 16 {
		return nil, nil, notifyErr(wire.INVALID_SYNTAX, "CREATE_CHILD_SA without nonce")
	}
	nr := sa.randomBytes(nonceLen)
	ps, c, err := sa.respondChild(m.payloads, ni, nr, first[*wire.KE](m.payloads), old)
	if err != nil {
		return nil, nil, err
	}
	ps = append([]wire.Payload{ps[0], &wire.Nonce{Data: nr}}, ps[1:]...)
	return ps, func() { sa.acceptPeerChild(c, old, ni, nr) }, nil
}

// acceptPeerChild installs a Child SA the peer created.
func (sa *SA) acceptPeerChild(c, old *ChildSA, ni, nr []byte) {
	sa.installChild(c, old)
	if old != nil && sa.rekeyingChild(old) {
		if sa.peerRekeys == nil {
			sa.peerRekeys = map[*ChildSA]peerRekey{}
		}
		sa.peerRekeys[old] = peerRekey{child: c, ni: ni, nr: nr}
	}
}

// rekeyingChild reports whether we have our own rekey of c under way.
func (sa *SA) rekeyingChild(c *ChildSA) bool {
	for _, o := range sa.tm.active {
		if t, ok := o.t.(*childRekeyTask); ok && t.old == c {
			return true
		}
	}
	return false
}

// deletingChild reports whether we have a Delete of c queued or under
// way.
func (sa *SA) deletingChild(c *ChildSA) bool {
	for _, t := range sa.tm.queue {
		if d, ok := t.(childDeleteTask); ok && d.child == c {
			return true
		}
	}
	for _, o := range sa.tm.active {
		if d, ok := o.t.(childDeleteTask); ok && d.child == c {
			return true
		}
	}
	return false
}

// RekeyChild rekeys the Child SA with inbound SPI spi now.
func (sa *SA) RekeyChild(spi uint32) error {
	err := ErrNoChild
	if derr := sa.do(func() {
		if c := sa.childByInSPI(spi); c != nil {
			err = nil
			sa.queue(&childRekeyTask{old: c})
		}
	}); errors.Is(derr, ErrReentrant) {
		return derr
	}
	return err
}

// startChildRekey rekeys every Child SA (RekeyChild timer).
func (sa *SA) startChildRekey() {
	for _, c := range sa.children {
		sa.queue(&childRekeyTask{old: c})
	}
}

// scheduleChildRekey arms the Child SA rekey timer.
func (sa *SA) scheduleChildRekey() {
	if sa.cfg.RekeyChild > 0 {
		sa.rekeyAt = sa.now().Add(sa.cfg.RekeyChild)
	}
}
