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
// The Child SAs move to the new IKE SA; message IDs restart at zero. The
// initiator then deletes the old IKE SA. The SA object stays the same:
// the new keys replace the old ones in place, and the old keys are kept
// (retired) only to answer the Delete and retransmissions that still
// arrive under the old SPIs.
//
// Simultaneous IKE SA rekeying (2.8.2) is avoided rather than resolved:
// a rekey request that crosses our own is refused with TEMPORARY_FAILURE
// (which the RFC allows), and a refused side retries after a random
// delay, so one of the two goes through.

// keyState is everything that changes when the IKE SA is rekeyed.
type keyState struct {
	spii, spir uint64
	suite      crypto.Suite
	prf        crypto.PRF
	keys       crypto.IKEKeys
	out, in    crypto.SKCipher
	tm         taskManager
}

func (sa *SA) keyState() keyState {
	return keyState{sa.spii, sa.spir, sa.suite, sa.prf, sa.keys, sa.out, sa.in, sa.tm}
}

func (sa *SA) setKeyState(k keyState) {
	sa.spii, sa.spir, sa.suite, sa.prf, sa.keys, sa.out, sa.in, sa.tm = k.spii, k.spir, k.suite, k.prf, k.keys, k.out, k.in, k.tm
}

type ikeRekeyTask struct {
	spi   uint64 // our new SPI
	nonce []byte
	kex   crypto.KeyExchange
}

func (*ikeRekeyTask) kind() taskKind              { return taskIKERekey }
func (*ikeRekeyTask) exchange() wire.ExchangeType { return wire.CREATE_CHILD_SA }

func (t *ikeRekeyTask) build(sa *SA) ([]wire.Payload, error) {
	sa.setState(StateRekeying)
	t.spi = sa.ep.newLocalSPI(sa)
	t.nonce = sa.randomBytes(nonceLen)
	kex, err := crypto.NewKeyExchange(sa.suite.KE, sa.rand())
	if err != nil {
		return nil, err
	}
	t.kex = kex
	spi := binary.BigEndian.AppendUint64(nil, t.spi)
	return []wire.Payload{
		&wire.SA{Proposals: toWire(sa.cfg.IKEProposals, wire.ProtoIKE, spi, true)},
		&wire.Nonce{Data: t.nonce},
		&wire.KE{Group: kex.Group(), Data: kex.Public()},
	}, nil
}

func (t *ikeRekeyTask) process(sa *SA, m *message) (step, error) {
	sa.setState(StateEstablished)
	if n := wire.FirstError(m.payloads); n != nil {
		// Retry after a random delay so that two ends that keep
		// colliding (each refusing the other's rekey) drift apart.
		wait := sa.cfg.RetransmitT + time.Duration(mrand.Int64N(int64(sa.cfg.RetransmitT)))
		sa.log.Info("peer refused IKE SA rekey, retrying", "notify", n.NotifyType, "after", wait)
		sa.ikeRekey = sa.now().Add(wait)
		return stepDone, nil
	}
	sap, ke, nr := first[*wire.SA](m.payloads), first[*wire.KE](m.payloads), findNonce(m.payloads)
	if sap == nil || ke == nil || nr == nil {
		return 0, fmt.Errorf("%w: IKE rekey response lacks SA, KE or Nonce", ErrProtocol)
	}
	chosen, err := checkChosen(sap.Proposals, sa.cfg.IKEProposals, wire.ProtoIKE, sa.cfg.AllowLegacy, false)
	if err != nil || len(chosen.SPI) != 8 || ke.Group != t.kex.Group() {
		return 0, fmt.Errorf("%w: bad IKE rekey response: %v", ErrProtocol, err)
	}
	next, err := sa.rekeyedState(chosen, t.kex, ke, t.nonce, nr, t.spi, binary.BigEndian.Uint64(chosen.SPI), true)
	if err != nil {
		return 0, err
	}
	// Delete the old IKE SA under the old keys, then move on.
	sa.sendOneWay(wire.INFORMATIONAL, []wire.Payload{wire.NewDeleteIKE()})
	sa.switchKeys(next)
	return stepDone, nil
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
	k := keyState{spii: spii, spir: spir, suite: suiteOf(chosen)}
	if k.prf, err = crypto.NewPRF(k.suite.PRF); err != nil {
		return k, err
	}
	if k.keys, err = crypto.DeriveRekeyedIKEKeys(sa.prf, sa.keys.SKd, k.suite, gir, ni, nr, spii, spir); err != nil {
		return k, err
	}
	k.out, k.in, err = k.keys.Ciphers(k.suite, sa.initiator)
	k.tm.init(sa.cfg.WindowSize)
	k.tm.queue = sa.tm.queue
	return k, err
}

// switchKeys installs next and retires the current keys.
func (sa *SA) switchKeys(next keyState) {
	old := sa.keyState()
	old.tm.queue = nil
	sa.retired = &old
	sa.setKeyState(next)
	sa.log.Info("IKE SA rekeyed", "suite", sa.suite.String())
	sa.ep.emit(Event{Kind: EventIKERekeyed, SA: sa})
	if sa.cfg.RekeyIKE > 0 {
		sa.ikeRekey = sa.now().Add(sa.cfg.RekeyIKE)
	}
}

// respondIKERekey answers the peer's IKE SA rekey.
func (sa *SA) respondIKERekey(m *message) ([]wire.Payload, func(), error) {
	if sa.tm.hasTask(taskIKERekey) || sa.state != StateEstablished {
		return nil, nil, notifyErr(wire.TEMPORARY_FAILURE, "IKE SA rekey in progress")
	}
	sap, ke, ni := first[*wire.SA](m.payloads), first[*wire.KE](m.payloads), findNonce(m.payloads)
	if ke == nil || len(ni) < 16 {
		return nil, nil, notifyErr(wire.INVALID_SYNTAX, "IKE rekey without KE or nonce")
	}
	chosen, ok := selectProposal(sap.Proposals, sa.cfg.IKEProposals, wire.ProtoIKE, sa.cfg.AllowLegacy, false)
	if !ok || len(chosen.SPI) != 8 {
		return nil, nil, notifyErr(wire.NO_PROPOSAL_CHOSEN, "no acceptable IKE proposal for rekey")
	}
	if g, _ := transformID(chosen, wire.TransformKE); g != ke.Group {
		return nil, nil, &wire.NotifyError{Type: wire.INVALID_KE_PAYLOAD, Data: wire.NewInvalidKEPayload(g).Data}
	}
	kex, err := crypto.NewKeyExchange(ke.Group, sa.rand())
	if err != nil {
		return nil, nil, notifyErr(wire.NO_PROPOSAL_CHOSEN, "group %d: %v", ke.Group, err)
	}
	spi := sa.ep.newLocalSPI(sa)
	nr := sa.randomBytes(nonceLen)
	next, err := sa.rekeyedState(chosen, kex, ke, ni, nr, spi, binary.BigEndian.Uint64(chosen.SPI), false)
	if err != nil {
		return nil, nil, err
	}
	chosen.SPI = binary.BigEndian.AppendUint64(nil, spi)
	ps := []wire.Payload{&wire.SA{Proposals: []wire.Proposal{chosen}}, &wire.Nonce{Data: nr},
		&wire.KE{Group: kex.Group(), Data: kex.Public()}}
	return ps, func() { sa.switchKeys(next) }, nil
}

// isRekeyedSPI handles a message under the retired (pre-rekey) SPIs:
// requests are answered with the old keys (the Delete of the old SA),
// responses are ignored. It reports false: the caller drops the message.
func (sa *SA) isRekeyedSPI(m *wire.Message) bool {
	r := sa.retired
	if r == nil || m.SPIi != r.spii || m.SPIr != r.spir || m.IsResponse() {
		return false
	}
	cur := sa.keyState()
	sa.setKeyState(*r)
	defer func() {
		*r = sa.keyState()
		sa.setKeyState(cur)
	}()
	msg := &message{hdr: m.Header, local: sa.local, remote: sa.remote}
	if sa.tm.classify(m.MessageID) == reqDuplicate {
		sa.resendCached(m, msg)
		return false
	}
	_, plain, complete, err := sa.unprotect(m)
	if err != nil || !complete || m.Exchange != wire.INFORMATIONAL {
		return false
	}
	sa.log.Debug("answering on the retired IKE SA", "bytes", len(plain))
	sa.reply(msg, nil, nil)
	return false
}

// startIKERekey rekeys the IKE SA (RekeyIKE timer).
func (sa *SA) startIKERekey() {
	if !sa.tm.hasTask(taskIKERekey) {
		sa.queue(&ikeRekeyTask{})
	}
}

// RekeyIKE rekeys the IKE SA now.
func (sa *SA) RekeyIKE() { sa.do(sa.startIKERekey) }
