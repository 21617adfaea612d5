package ike

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"time"

	"flexvpn/tunnel/ike/crypto"
	"flexvpn/tunnel/ike/wire"
)

// Rekeying an IKE SA with additional key exchanges (RFC 9370 2.2.4):
//
//	HDR, SK {SA(.. ADDKE*), Ni, KEi}  -->
//	                 <--  HDR, SK {SA, Nr, KEr, N(ADDITIONAL_KEY_EXCHANGE)(link1)}
//	HDR, SK {KEi(1), N(ADDITIONAL_KEY_EXCHANGE)(link1)}  -->      (IKE_FOLLOWUP_KE)
//	                 <--  HDR, SK {KEr(1) [, N(ADDITIONAL_KEY_EXCHANGE)(link2)]}
//	... one IKE_FOLLOWUP_KE per additional key exchange ...
//	SKEYSEED = prf(SK_d (old), SK(0) | Ni | Nr | SK(1) | ... | SK(n))
//
// Everything runs on the old IKE SA; the new one exists only after the
// last exchange. A rekey with additional key exchanges that crosses ours
// is refused with TEMPORARY_FAILURE rather than tie-broken, which keeps
// the crossed-rekey rules (ike_rekey_collision.go) to single exchanges.

// rekeyAddKEMode negotiates additional key exchanges in an IKE SA rekey
// with peers that announced RFC 9242 support, as RFC 9370 peers do.
func (sa *SA) rekeyAddKEMode() addKEMode {
	if sa.inter.peer && !sa.cfg.NoIntermediate {
		return addKENegotiate
	}
	return addKENoneOnly
}

// rekeyOffer is our IKE SA rekey proposal list.
func (sa *SA) rekeyOffer() []Proposal {
	if sa.rekeyAddKEMode() == addKENegotiate {
		return sa.cfg.IKEProposals
	}
	return withoutAddKE(sa.cfg.IKEProposals)
}

// followup is the initiator's IKE rekey between CREATE_CHILD_SA and the
// last IKE_FOLLOWUP_KE.
type followup struct {
	chosen  wire.Proposal
	nr      []byte
	pending []uint16
	secrets [][]byte // SK(0), SK(1), ...
	link    []byte
	kex     crypto.KeyExchange
}

func linkOf(ps []wire.Payload) []byte {
	if n := findNotify(ps, wire.ADDITIONAL_KEY_EXCHANGE); n != nil && len(n.Data) > 0 {
		return n.Data
	}
	return nil
}

// startFollowup keeps the CREATE_CHILD_SA answer and asks for the first
// IKE_FOLLOWUP_KE.
func (t *ikeRekeyTask) startFollowup(sa *SA, chosen wire.Proposal, ke *wire.KE, nr []byte, addke []uint16, ps []wire.Payload) (step, error) {
	link := linkOf(ps)
	if link == nil {
		return 0, fmt.Errorf("%w: IKE rekey with additional key exchanges but no ADDITIONAL_KEY_EXCHANGE", ErrProtocol)
	}
	gir, err := t.kex.Shared(ke.Data)
	if err != nil {
		return 0, fmt.Errorf("%w: IKE rekey key exchange: %v", ErrProtocol, err)
	}
	t.fu = &followup{chosen: chosen, nr: nr, pending: addke, secrets: [][]byte{gir}, link: link}
	return stepAgain, nil
}

// request builds the next IKE_FOLLOWUP_KE request.
func (f *followup) request(sa *SA) ([]wire.Payload, error) {
	if f.kex == nil || f.kex.Group() != f.pending[0] {
		kex, err := crypto.NewKeyExchange(f.pending[0], sa.rand())
		if err != nil {
			return nil, err
		}
		f.kex = kex
	}
	return []wire.Payload{&wire.KE{Group: f.kex.Group(), Data: f.kex.Public()},
		&wire.Notify{NotifyType: wire.ADDITIONAL_KEY_EXCHANGE, Data: f.link}}, nil
}

// processFollowup takes one IKE_FOLLOWUP_KE answer; after the last it
// moves to the new IKE SA. A refusal drops this rekey and retries later.
func (t *ikeRekeyTask) processFollowup(sa *SA, m *message) (step, error) {
	f := t.fu
	if n := wire.FirstError(m.payloads); n != nil {
		t.fu = nil
		t.refused(sa, n.NotifyType)
		return stepDone, nil
	}
	ke := first[*wire.KE](m.payloads)
	if ke == nil || ke.Group != f.pending[0] {
		return 0, fmt.Errorf("%w: IKE_FOLLOWUP_KE response lacks the KE of method %d", ErrProtocol, f.pending[0])
	}
	secret, err := f.kex.Shared(ke.Data)
	crypto.Forget(f.kex)
	if err != nil {
		return 0, fmt.Errorf("%w: additional key exchange %d: %v", ErrProtocol, f.pending[0], err)
	}
	f.secrets, f.pending, f.kex = append(f.secrets, secret), f.pending[1:], nil
	if len(f.pending) > 0 {
		if f.link = linkOf(m.payloads); f.link == nil {
			return 0, fmt.Errorf("%w: IKE_FOLLOWUP_KE response without the next link", ErrProtocol)
		}
		return stepAgain, nil
	}
	next, err := sa.keyStateFrom(f.chosen, f.secrets, t.nonce, f.nr, t.spi, binary.BigEndian.Uint64(f.chosen.SPI), true)
	if err != nil {
		return 0, err
	}
	t.fu = nil
	return t.finish(sa, next, f.nr)
}

// followupResp is the peer's IKE rekey that we answered, waiting for its
// IKE_FOLLOWUP_KE requests.
type followupResp struct {
	chosen          wire.Proposal
	ni, nr          []byte
	ourSPI, peerSPI uint64
	pending         []uint16
	secrets         [][]byte
	link            []byte
	started         time.Time
}

// respondRekeyAddKE answers a CREATE_CHILD_SA rekey whose chosen proposal
// has additional key exchanges: SA, Nr, KEr and the first link.
func (sa *SA) respondRekeyAddKE(chosen wire.Proposal, kex crypto.KeyExchange, ke *wire.KE, ni, nr []byte, spi uint64, addke []uint16) ([]wire.Payload, func(), error) {
	gir, err := kex.Shared(ke.Data)
	if err != nil {
		sa.ep.releaseSPI(spi, sa)
		return nil, nil, notifyErr(wire.INVALID_SYNTAX, "peer public value: %v", err)
	}
	fr := &followupResp{chosen: chosen, ni: ni, nr: nr, ourSPI: spi, peerSPI: binary.BigEndian.Uint64(chosen.SPI),
		pending: addke, secrets: [][]byte{gir}, link: sa.randomBytes(8), started: sa.now()}
	chosen.SPI = binary.BigEndian.AppendUint64(nil, spi)
	ps := []wire.Payload{&wire.SA{Proposals: []wire.Proposal{chosen}}, &wire.Nonce{Data: nr},
		&wire.KE{Group: kex.Group(), Data: kex.Public()},
		&wire.Notify{NotifyType: wire.ADDITIONAL_KEY_EXCHANGE, Data: fr.link}}
	return ps, func() { sa.fuResp = fr }, nil
}

// followupPending reports a peer's IKE rekey still in its follow-up
// exchanges. One the peer has had its whole retransmission time to
// continue is abandoned, and its SPI released, so that it cannot hold
// off rekeys for good.
func (sa *SA) followupPending() bool {
	fr := sa.fuResp
	if fr == nil {
		return false
	}
	if sa.now().Sub(fr.started) <= sa.cfg.RetransmitT<<sa.cfg.RetransmitN {
		return true
	}
	sa.log.Info("peer abandoned its IKE SA rekey before the last IKE_FOLLOWUP_KE")
	sa.ep.releaseSPI(fr.ourSPI, sa)
	sa.fuResp = nil
	return false
}

// respondFollowupKE answers one IKE_FOLLOWUP_KE of the peer's IKE rekey;
// after the last one the new IKE SA replaces the old.
func (sa *SA) respondFollowupKE(m *message) ([]wire.Payload, func(), error) {
	fr := sa.fuResp
	ke := first[*wire.KE](m.payloads)
	if fr == nil || !bytes.Equal(linkOf(m.payloads), fr.link) || ke == nil || ke.Group != fr.pending[0] {
		// RFC 9370 2.2.4: an unknown or stale link is STATE_NOT_FOUND;
		// we refuse it without creating anything.
		return nil, nil, notifyErr(wire.INVALID_SYNTAX, "IKE_FOLLOWUP_KE matches no rekey in progress")
	}
	kex, err := crypto.NewResponderKeyExchange(ke.Group, sa.rand())
	if err != nil {
		return nil, nil, notifyErr(wire.NO_PROPOSAL_CHOSEN, "method %d: %v", ke.Group, err)
	}
	defer crypto.Forget(kex)
	secret, err := kex.Shared(ke.Data)
	if err != nil {
		return nil, nil, notifyErr(wire.INVALID_SYNTAX, "additional key exchange %d: %v", ke.Group, err)
	}
	fr.secrets, fr.pending = append(fr.secrets, secret), fr.pending[1:]
	ps := []wire.Payload{&wire.KE{Group: kex.Group(), Data: kex.Public()}}
	if len(fr.pending) > 0 {
		fr.link = sa.randomBytes(8)
		return append(ps, &wire.Notify{NotifyType: wire.ADDITIONAL_KEY_EXCHANGE, Data: fr.link}), nil, nil
	}
	next, err := sa.keyStateFrom(fr.chosen, fr.secrets, fr.ni, fr.nr, fr.peerSPI, fr.ourSPI, false)
	if err != nil {
		return nil, nil, err
	}
	sa.fuResp = nil
	sa.dropQueued(taskIKERekey) // the peer's rekey does what ours would
	return ps, func() { sa.switchKeys(next) }, nil
}

// keyStateFrom derives the rekeyed IKE SA's keys from all its secrets.
func (sa *SA) keyStateFrom(chosen wire.Proposal, secrets [][]byte, ni, nr []byte, spii, spir uint64, initiator bool) (keyState, error) {
	k := keyState{spii: spii, spir: spir, initiator: initiator, suite: suiteOf(chosen)}
	var err error
	if k.prf, err = crypto.NewPRF(k.suite.PRF); err != nil {
		return k, err
	}
	if k.keys, err = crypto.DeriveRekeyedIKEKeysAddKE(sa.prf, sa.keys.SKd, k.suite, secrets, ni, nr, spii, spir); err != nil {
		return k, err
	}
	k.out, k.in, err = k.keys.Ciphers(k.suite, initiator)
	k.tm.init(sa.cfg.WindowSize)
	return k, err
}
