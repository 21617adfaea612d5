package ike

import (
	"encoding/binary"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"flexvpn/tunnel/ike/crypto"
	"flexvpn/tunnel/ike/wire"
)

// Rekeying the IKE SA with CREATE_CHILD_SA (RFC 7296 1.3.2, 2.18):
//
//	HDR, SK {SA(SPIi'), Ni, KEi}  -->
//	                         <--  HDR, SK {SA(SPIr'), Nr, KEr}
//	SKEYSEED' = prf(SK_d (old), g^ir (new) | Ni | Nr)
//
// The Child SAs move to the new IKE SA; message IDs restart at zero, and
// whoever sent the rekey request is the initiator of the new IKE SA (its
// I flag, its SPI first). The initiator then deletes the old IKE SA. The
// SA object stays the same: the new keys replace the old ones in place,
// and the old keys are kept (retired) only to answer the Delete and
// retransmissions that still arrive under the old SPIs. Rekeys that
// cross are resolved in ike_rekey_collision.go.

// keyState is everything that changes when the IKE SA is rekeyed.
type keyState struct {
	spii, spir uint64
	initiator  bool // we sent the request that created these keys
	suite      crypto.Suite
	prf        crypto.PRF
	keys       crypto.IKEKeys
	out, in    crypto.SKCipher
	tm         taskManager
}

func (sa *SA) keyState() keyState {
	return keyState{sa.spii, sa.spir, sa.ikeInitiator, sa.suite, sa.prf, sa.keys, sa.out, sa.in, sa.tm}
}

func (sa *SA) setKeyState(k keyState) {
	sa.spii, sa.spir, sa.ikeInitiator, sa.suite, sa.prf, sa.keys, sa.out, sa.in, sa.tm = k.spii, k.spir, k.initiator, k.suite, k.prf, k.keys, k.out, k.in, k.tm
}

// localSPI is our half of k's SPIs.
func (k *keyState) localSPI() uint64 {
	if k.initiator {
		return k.spii
	}
	return k.spir
}

// underKeys runs f with k installed as the current keys (to send or
// answer under another IKE SA's SPIs) and keeps what f changed in k.
func (sa *SA) underKeys(k *keyState, f func()) {
	cur := sa.keyState()
	sa.setKeyState(*k)
	defer func() {
		*k = sa.keyState()
		sa.setKeyState(cur)
	}()
	f()
}

type ikeRekeyTask struct {
	spi   uint64 // our new SPI
	nonce []byte
	kex   crypto.KeyExchange
	fu    *followup // additional key exchanges still to run (ike_followup.go)
}

func (*ikeRekeyTask) kind() taskKind { return taskIKERekey }
func (t *ikeRekeyTask) exchange() wire.ExchangeType {
	if t.fu != nil {
		return wire.IKE_FOLLOWUP_KE
	}
	return wire.CREATE_CHILD_SA
}

func (t *ikeRekeyTask) build(sa *SA) ([]wire.Payload, error) {
	sa.setState(StateRekeying)
	if t.fu != nil {
		return t.fu.request(sa)
	}
	t.spi = sa.ep.newLocalSPI(sa)
	t.nonce = sa.randomBytes(nonceLen)
	kex, err := crypto.NewKeyExchange(sa.suite.KE, sa.rand())
	if err != nil {
		return nil, err
	}
	t.kex = kex
	spi := binary.BigEndian.AppendUint64(nil, t.spi)
	return []wire.Payload{
		&wire.SA{Proposals: toWire(sa.rekeyOffer(), wire.ProtoIKE, spi, true)},
		&wire.Nonce{Data: t.nonce},
		&wire.KE{Group: kex.Group(), Data: kex.Public()},
	}, nil
}

func (t *ikeRekeyTask) process(sa *SA, m *message) (step, error) {
	sa.setState(StateEstablished)
	if t.fu != nil {
		return t.processFollowup(sa, m)
	}
	defer t.forgetKex() // whatever the answer, this key exchange is over
	if n := wire.FirstError(m.payloads); n != nil {
		if err := sa.refusedHybridRekey(n.NotifyType); err != nil {
			sa.ep.releaseSPI(t.spi, sa)
			return 0, err
		}
		t.refused(sa, n.NotifyType)
		return stepDone, nil
	}
	sap, ke, nr := first[*wire.SA](m.payloads), first[*wire.KE](m.payloads), findNonce(m.payloads)
	if sap == nil || ke == nil || nr == nil {
		return 0, fmt.Errorf("%w: IKE rekey response lacks SA, KE or Nonce", ErrProtocol)
	}
	chosen, err := checkChosenWith(sap.Proposals, sa.rekeyOffer(), wire.ProtoIKE, matchOpts{allowLegacy: sa.cfg.AllowLegacy, addKE: sa.rekeyAddKEMode()})
	if err != nil || len(chosen.SPI) != 8 || ke.Group != t.kex.Group() {
		return 0, fmt.Errorf("%w: bad IKE rekey response: %v", ErrProtocol, err)
	}
	if addke := chosenAddKE(chosen); len(addke) > 0 {
		return t.startFollowup(sa, chosen, ke, nr, addke, m.payloads)
	}
	next, err := sa.rekeyedState(chosen, t.kex, ke, t.nonce, nr, t.spi, binary.BigEndian.Uint64(chosen.SPI), true)
	if err != nil {
		return 0, err
	}
	return t.finish(sa, next, nr)
}

// forgetKex drops our CREATE_CHILD_SA key exchange once it has been
// used (or refused); follow-up exchanges have their own.
func (t *ikeRekeyTask) forgetKex() {
	crypto.Forget(t.kex)
	t.kex = nil
}

// finish moves to the rekeyed IKE SA (or settles a crossed rekey).
func (t *ikeRekeyTask) finish(sa *SA, next keyState, nr []byte) (step, error) {
	if sa.crossed != nil {
		sa.settleCrossedRekey(next, t.nonce, nr)
		return stepDone, nil
	}
	// Delete the old IKE SA under the old keys, then move on.
	sa.sendOneWay(wire.INFORMATIONAL, []wire.Payload{wire.NewDeleteIKE()})
	sa.switchKeys(next)
	return stepDone, nil
}

// refused handles an error answer to our rekey. If the peer's own rekey
// crossed ours, the peer finished first without noticing ours (2.8.2):
// its new SA is the one. Otherwise we retry after a random delay, so
// that two ends that keep refusing each other drift apart.
func (t *ikeRekeyTask) refused(sa *SA, n wire.NotifyType) {
	sa.ep.releaseSPI(t.spi, sa)
	if sa.crossed != nil {
		sa.log.Info("peer refused our IKE SA rekey after completing its own", "notify", n)
		sa.adoptCrossedRekey()
		return
	}
	wait := sa.cfg.RetransmitT + time.Duration(mrand.Int64N(int64(sa.cfg.RetransmitT)))
	sa.log.Info("peer refused IKE SA rekey, retrying", "notify", n, "after", wait)
	sa.ikeRekey = sa.now().Add(wait)
}

// rekeyedState derives the new IKE SA's keys.
func (sa *SA) rekeyedState(chosen wire.Proposal, kex crypto.KeyExchange, ke *wire.KE, ni, nr []byte, spii, spir uint64, initiator bool) (keyState, error) {
	if !initiator {
		spii, spir = spir, spii
	}
	gir, err := kex.Shared(ke.Data)
	if err != nil {
		return keyState{}, notifyErr(wire.INVALID_SYNTAX, "peer public value: %v", err)
	}
	k := keyState{spii: spii, spir: spir, initiator: initiator, suite: suiteOf(chosen)}
	if k.prf, err = crypto.NewPRF(k.suite.PRF); err != nil {
		return k, err
	}
	if k.keys, err = crypto.DeriveRekeyedIKEKeys(sa.prf, sa.keys.SKd, k.suite, gir, ni, nr, spii, spir); err != nil {
		return k, err
	}
	k.out, k.in, err = k.keys.Ciphers(k.suite, initiator)
	k.tm.init(sa.cfg.WindowSize)
	return k, err
}

// switchKeys installs next, with the requests still queued, and retires
// the current keys.
func (sa *SA) switchKeys(next keyState) {
	old := sa.keyState()
	next.tm.queue, old.tm.queue = old.tm.queue, nil
	sa.retire(old)
	sa.setKeyState(next)
	sa.log.Info("IKE SA rekeyed", "suite", sa.suite.String())
	sa.ep.emit(Event{Kind: EventIKERekeyed, SA: sa})
	if sa.cfg.RekeyIKE > 0 {
		sa.ikeRekey = sa.now().Add(sa.cfg.RekeyIKE)
	}
	sa.kick() // what waited for the rekey runs on the new SA
}

// maxRetired bounds the retired key states: the old SA of the last
// rekey and the redundant one of a crossed rekey are all that a peer
// may still talk to.
const maxRetired = 2

// retire keeps k to answer under its SPIs and forgets the oldest.
func (sa *SA) retire(k keyState) {
	sa.retired = append([]*keyState{&k}, sa.retired...)
	for len(sa.retired) > maxRetired {
		last := sa.retired[len(sa.retired)-1]
		sa.retired = sa.retired[:len(sa.retired)-1]
		sa.ep.releaseSPI(last.localSPI(), sa)
	}
}

// respondIKERekey answers the peer's IKE SA rekey. One that crosses our
// own is answered too and kept for the tie-break (2.8.2); while another
// exchange holds the SA in flux we ask the peer to try again later.
func (sa *SA) respondIKERekey(m *message) ([]wire.Payload, func(), error) {
	ours := sa.activeIKERekey()
	if sa.crossed != nil || sa.followupPending() || (ours == nil && (sa.state != StateEstablished || len(sa.tm.active) > 0)) {
		// Another exchange is under way; the answer to a request of
		// ours would arrive under keys we no longer use.
		return nil, nil, notifyErr(wire.TEMPORARY_FAILURE, "IKE SA busy, rekey later")
	}
	sap, ke, ni := first[*wire.SA](m.payloads), first[*wire.KE](m.payloads), findNonce(m.payloads)
	if ke == nil || len(ni) < 16 {
		return nil, nil, notifyErr(wire.INVALID_SYNTAX, "IKE rekey without KE or nonce")
	}
	chosen, ok := selectIKEProposal(sap.Proposals, sa.cfg.IKEProposals, sa.cfg.AllowLegacy, sa.rekeyAddKEMode())
	if !ok || len(chosen.SPI) != 8 {
		return nil, nil, notifyErr(wire.NO_PROPOSAL_CHOSEN, "no acceptable IKE proposal for rekey")
	}
	if len(chosenAddKE(chosen)) > 0 && ours != nil {
		return nil, nil, notifyErr(wire.TEMPORARY_FAILURE, "IKE SA rekey with additional key exchanges crosses ours")
	}
	if g, _ := transformID(chosen, wire.TransformKE); g != ke.Group {
		return nil, nil, &wire.NotifyError{Type: wire.INVALID_KE_PAYLOAD, Data: wire.NewInvalidKEPayload(g).Data}
	}
	kex, err := crypto.NewResponderKeyExchange(ke.Group, sa.rand())
	if err != nil {
		return nil, nil, notifyErr(wire.NO_PROPOSAL_CHOSEN, "group %d: %v", ke.Group, err)
	}
	defer crypto.Forget(kex) // the payloads below hold its public value only
	spi := sa.ep.newLocalSPI(sa)
	nr := sa.randomBytes(nonceLen)
	if addke := chosenAddKE(chosen); len(addke) > 0 {
		return sa.respondRekeyAddKE(chosen, kex, ke, ni, nr, spi, addke)
	}
	next, err := sa.rekeyedState(chosen, kex, ke, ni, nr, spi, binary.BigEndian.Uint64(chosen.SPI), false)
	if err != nil {
		return nil, nil, err
	}
	chosen.SPI = binary.BigEndian.AppendUint64(nil, spi)
	ps := []wire.Payload{&wire.SA{Proposals: []wire.Proposal{chosen}}, &wire.Nonce{Data: nr},
		&wire.KE{Group: kex.Group(), Data: kex.Public()}}
	if ours != nil {
		return ps, func() { sa.crossed = &crossedRekey{next: next, ni: ni, nr: nr} }, nil
	}
	sa.dropQueued(taskIKERekey) // the peer's rekey does what ours would
	return ps, func() { sa.switchKeys(next) }, nil
}

// onRetiredSPIs handles a message under the SPIs of a retired (rekeyed
// or redundant) IKE SA: requests are answered with its keys, responses
// are dropped.
func (sa *SA) onRetiredSPIs(m *wire.Message) {
	for _, r := range sa.retired {
		if m.SPIi != r.spii || m.SPIr != r.spir {
			continue
		}
		if !m.IsResponse() && m.IsInitiator() != r.initiator {
			sa.underKeys(r, func() { sa.answerRetired(m) })
		}
		return
	}
}

// answerRetired answers a request to a retired IKE SA: the Delete of it
// (or any INFORMATIONAL) with an empty response, a CREATE_CHILD_SA (a
// rekey that did not see ours complete) with TEMPORARY_FAILURE, as RFC
// 7296 2.8.2 asks for an SA that is being closed.
func (sa *SA) answerRetired(m *wire.Message) {
	msg := &message{hdr: m.Header, local: sa.local, remote: sa.remote}
	if sa.tm.classify(m.MessageID) != reqNew {
		if sa.tm.classify(m.MessageID) == reqDuplicate {
			sa.resendCached(m, msg)
		}
		return
	}
	_, plain, complete, err := sa.unprotect(m)
	if err != nil || !complete {
		return
	}
	sa.log.Debug("answering on a retired IKE SA", "exchange", m.Exchange, "bytes", len(plain))
	switch m.Exchange {
	case wire.INFORMATIONAL:
		sa.reply(msg, nil, nil)
	case wire.CREATE_CHILD_SA:
		sa.reply(msg, []wire.Payload{&wire.Notify{NotifyType: wire.TEMPORARY_FAILURE}}, nil)
	}
}

// startIKERekey rekeys the IKE SA (RekeyIKE timer).
func (sa *SA) startIKERekey() {
	if !sa.tm.hasTask(taskIKERekey) {
		sa.queue(&ikeRekeyTask{})
	}
}

// RekeyIKE rekeys the IKE SA now. It fails with ErrReentrant from the
// SA's own goroutine and with ErrSADeleted once the SA has ended.
func (sa *SA) RekeyIKE() error { return sa.do(sa.startIKERekey) }
