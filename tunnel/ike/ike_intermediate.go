package ike

import (
	"encoding/binary"
	"fmt"
	"slices"

	"flexvpn/tunnel/ike/crypto"
	"flexvpn/tunnel/ike/wire"
)

// IKE_INTERMEDIATE (RFC 9242) carrying additional key exchanges (RFC 9370),
// one exchange per ADDKE transform the responder chose, in ADDKE order:
//
//	Initiator                         Responder
//	HDR, SAi1(.. ADDKE*), KEi, Ni, N(INTERMEDIATE_EXCHANGE_SUPPORTED)  -->
//	                  <--  HDR, SAr1(.. ADDKE*), KEr, Nr, N(INTERMEDIATE_EXCHANGE_SUPPORTED)
//	HDR(ID 1), SK {KEi(1)}  -->
//	                               <--  HDR(ID 1), SK {KEr(1)}
//	... one pair per ADDKE ...
//	HDR(ID n+1), SK {IDi, AUTH, ...}  -->   (IKE_AUTH, AUTH covers IntAuth)
//
// After each pair both sides move to new keys, SKEYSEED(n) =
// prf(SK_d(n-1), SK(n) | Ni | Nr) (RFC 9370 2.2.2); the exchange itself
// is protected with the keys before that update. The messages are large
// (an ML-KEM-1024 key is 1568 bytes), which is the point of doing them
// after IKE_SA_INIT: they go in the SK payload and so can use IKE
// fragmentation (RFC 7383) like IKE_AUTH. Message IDs follow the usual
// rule, 1 for the first IKE_INTERMEDIATE, and IKE_AUTH takes the next.
//
// An IKE SA rekey runs the additional key exchanges again in
// IKE_FOLLOWUP_KE (ike_followup.go) with peers that announced RFC 9242;
// with others it offers the proposals without ADDKE, and the new SA's
// SKEYSEED still derives from the old SK_d, which depends on every
// post-quantum secret. A peer that refuses the rekey of a hybrid SA gets
// the SA deleted instead (refusedHybridRekey), so that the client
// reconnects: reauthentication in place of a rekey.

// intermediateState is one IKE SA's IKE_INTERMEDIATE progress.
type intermediateState struct {
	offered  bool     // we sent INTERMEDIATE_EXCHANGE_SUPPORTED (initiator)
	peer     bool     // the peer sent it
	pending  []uint16 // additional key exchange methods still to run, in order
	done     []uint16 // the ones completed, in order
	rounds   uint32   // IKE_INTERMEDIATE exchanges completed
	intAuthI []byte   // IntAuth chain over the initiator's messages
	intAuthR []byte   // IntAuth chain over the responder's messages
	// prevIn is the inbound cipher before the last key update: a
	// responder whose answer was lost gets the request again under the
	// old keys and must verify it to resend the cached answer.
	prevIn crypto.SKCipher
}

// wantsIntermediate reports whether any proposal of ours has an
// additional key exchange, so that we announce IKE_INTERMEDIATE.
func (c *Config) wantsIntermediate() bool {
	if c.NoIntermediate {
		return false
	}
	return slices.ContainsFunc(c.IKEProposals, func(p Proposal) bool { return p.hasAddKE() })
}

func (p Proposal) hasAddKE() bool {
	for _, ids := range p.AddKE {
		if slices.ContainsFunc(ids, func(id uint16) bool { return id != 0 }) {
			return true
		}
	}
	return false
}

// withoutAddKE drops the additional key exchanges, for exchanges that
// cannot carry them (an IKE SA rekey without IKE_FOLLOWUP_KE).
func withoutAddKE(ps []Proposal) []Proposal {
	out := make([]Proposal, len(ps))
	for i, p := range ps {
		p.AddKE = [7][]uint16{}
		out[i] = p
	}
	return out
}

// ikeOffer is the IKE_SA_INIT proposal list: without ADDKE when we play a
// peer that predates RFC 9370.
func (sa *SA) ikeOffer() []Proposal {
	if sa.cfg.NoIntermediate {
		return withoutAddKE(sa.cfg.IKEProposals)
	}
	return sa.cfg.IKEProposals
}

// addKEMode is how IKE_SA_INIT's proposals treat ADDKE transforms with
// this peer: negotiated only when both announced IKE_INTERMEDIATE
// (RFC 9370 2.2.1).
func (sa *SA) addKEMode() addKEMode {
	switch {
	case sa.cfg.NoIntermediate:
		return addKEUnknown
	case sa.inter.peer:
		return addKENegotiate
	}
	return addKENoneOnly
}

// chosenAddKE lists the additional key exchanges of a chosen proposal in
// ADDKE order, NONE left out.
func chosenAddKE(p wire.Proposal) []uint16 {
	var out []uint16
	for _, tt := range addKETypes {
		if id, _ := transformID(p, tt); id != 0 {
			out = append(out, id)
		}
	}
	return out
}

// startAddKE queues one IKE_INTERMEDIATE per additional key exchange the
// responder chose, then IKE_AUTH.
func (sa *SA) startAddKE(chosen wire.Proposal, resp []wire.Payload) error {
	sa.inter.peer = findNotifyIn(resp, wire.INTERMEDIATE_EXCHANGE_SUPPORTED)
	sa.inter.pending = chosenAddKE(chosen)
	if len(sa.inter.pending) > 0 && (!sa.inter.peer || !sa.inter.offered) {
		return fmt.Errorf("%w: responder chose additional key exchanges without IKE_INTERMEDIATE", ErrProtocol)
	}
	for _, g := range sa.inter.pending {
		sa.queue(&ikeIntermediateTask{group: g})
	}
	return nil
}

// ikeIntermediateTask runs one additional key exchange as initiator.
type ikeIntermediateTask struct {
	group uint16
	kex   crypto.KeyExchange
}

func (t *ikeIntermediateTask) kind() taskKind              { return taskIKEIntermediate }
func (t *ikeIntermediateTask) exchange() wire.ExchangeType { return wire.IKE_INTERMEDIATE }

func (t *ikeIntermediateTask) build(sa *SA) ([]wire.Payload, error) {
	if t.kex == nil {
		kex, err := crypto.NewKeyExchange(t.group, sa.rand())
		if err != nil {
			return nil, fmt.Errorf("ike: additional key exchange %d: %w", t.group, err)
		}
		t.kex = kex
	}
	return []wire.Payload{&wire.KE{Group: t.group, Data: t.kex.Public()}}, nil
}

func (t *ikeIntermediateTask) process(sa *SA, m *message) (step, error) {
	if n := wire.FirstError(m.payloads); n != nil {
		return 0, &PeerError{Type: n.NotifyType, Hint: "the gateway refused the additional key exchange"}
	}
	ke := first[*wire.KE](m.payloads)
	if ke == nil || ke.Group != t.group {
		return 0, fmt.Errorf("%w: IKE_INTERMEDIATE response lacks the KE of method %d", ErrProtocol, t.group)
	}
	sa.chainIntAuth(false, m.hdr, m.first, m.plain)
	shared, err := t.kex.Shared(ke.Data)
	crypto.Forget(t.kex)
	t.kex = nil
	if err != nil {
		return 0, fmt.Errorf("%w: additional key exchange %d: %v", ErrProtocol, t.group, err)
	}
	return stepDone, sa.addKEDone(shared)
}

// respondIntermediate answers one IKE_INTERMEDIATE: the KE must be the
// next additional key exchange negotiated. Our answer still goes out
// under the current keys; the update runs after it is sent.
func (sa *SA) respondIntermediate(m *message) ([]wire.Payload, func(), error) {
	if sa.state != StateInitReplied || sa.initiator {
		return nil, nil, notifyErr(wire.INVALID_SYNTAX, "IKE_INTERMEDIATE in state %v", sa.state)
	}
	if m.hdr.MessageID != sa.inter.rounds+1 {
		return nil, nil, notifyErr(wire.INVALID_SYNTAX, "IKE_INTERMEDIATE with message ID %d", m.hdr.MessageID)
	}
	ke := first[*wire.KE](m.payloads)
	if ke == nil || len(sa.inter.pending) == 0 || ke.Group != sa.inter.pending[0] {
		return nil, nil, notifyErr(wire.INVALID_SYNTAX, "IKE_INTERMEDIATE without the expected additional key exchange")
	}
	kex, err := crypto.NewResponderKeyExchange(ke.Group, sa.rand())
	if err != nil {
		return nil, nil, notifyErr(wire.NO_PROPOSAL_CHOSEN, "method %d: %v", ke.Group, err)
	}
	defer crypto.Forget(kex)
	shared, err := kex.Shared(ke.Data)
	if err != nil {
		return nil, nil, notifyErr(wire.INVALID_SYNTAX, "additional key exchange %d: %v", ke.Group, err)
	}
	sa.chainIntAuth(true, m.hdr, m.first, m.plain)
	ps := []wire.Payload{&wire.KE{Group: ke.Group, Data: kex.Public()}}
	return ps, func() {
		if err := sa.addKEDone(shared); err != nil {
			sa.fail(err)
		}
	}, nil
}

// addKEDone moves to the keys that mix in one more shared secret.
func (sa *SA) addKEDone(shared []byte) error {
	keys, err := crypto.DeriveAddKEKeys(sa.prf, sa.suite, sa.keys, shared, sa.ni, sa.nr, sa.spii, sa.spir)
	if err != nil {
		return err
	}
	out, in, err := keys.Ciphers(sa.suite, sa.ikeInitiator)
	if err != nil {
		return err
	}
	sa.keys.Wipe()
	sa.inter.prevIn = sa.in
	sa.keys, sa.out, sa.in = keys, out, in
	sa.inter.done = append(sa.inter.done, sa.inter.pending[0])
	sa.inter.pending = sa.inter.pending[1:]
	sa.inter.rounds++
	sa.log.Debug("additional key exchange done", "round", sa.inter.rounds, "left", len(sa.inter.pending))
	return nil
}

// chainIntAuth adds one IKE_INTERMEDIATE message to its sender's IntAuth
// chain with the SK_p of the keys that protect it (RFC 9242 3.3.2).
func (sa *SA) chainIntAuth(fromInitiator bool, h wire.Header, first wire.PayloadType, plain []byte) {
	a := wire.IntAuthA(h, first, len(plain))
	if fromInitiator {
		sa.inter.intAuthI = crypto.IntAuth(sa.prf, sa.keys.SKpi, sa.inter.intAuthI, a, plain)
	} else {
		sa.inter.intAuthR = crypto.IntAuth(sa.prf, sa.keys.SKpr, sa.inter.intAuthR, a, plain)
	}
}

// chainSent adds a message we send to the chain; the SK payload's
// contents are re-encoded the way encode did.
func (sa *SA) chainSent(exch wire.ExchangeType, id uint32, response bool, ps []wire.Payload) error {
	if exch != wire.IKE_INTERMEDIATE {
		return nil
	}
	first, plain, err := wire.EncodePayloads(ps)
	if err != nil {
		return err
	}
	sa.chainIntAuth(sa.ikeInitiator, sa.header(exch, id, response), first, plain)
	return nil
}

// intAuthSuffix is what AUTH covers beyond RFC 7296 after IKE_INTERMEDIATE
// exchanges (RFC 9242 3.3.1): IntAuth_i | IntAuth_r | IKE_AUTH_MID, the
// message ID of the first IKE_AUTH request. Nothing without them.
func (sa *SA) intAuthSuffix() []byte {
	if sa.inter.rounds == 0 {
		return nil
	}
	out := slices.Concat(sa.inter.intAuthI, sa.inter.intAuthR)
	return binary.BigEndian.AppendUint32(out, sa.inter.rounds+1)
}

// openPrevIntermediate verifies a retransmitted IKE_INTERMEDIATE request
// with the keys it was sent under, the ones before our last update.
func (sa *SA) openPrevIntermediate(m *wire.Message) bool {
	if m.Exchange != wire.IKE_INTERMEDIATE || sa.inter.prevIn == nil {
		return false
	}
	_, _, _, err := openWith(sa.inter.prevIn, m)
	return err == nil
}

func findNotifyIn(ps []wire.Payload, t wire.NotifyType) bool { return findNotify(ps, t) != nil }

// checkAddKE enforces what RFC 9370 and the ML-KEM draft allow: ML-KEM as
// the main key exchange only alone (no additional ones), and additional
// key exchanges we implement (or NONE).
func (p Proposal) checkAddKE() error {
	if slices.ContainsFunc(p.KE, crypto.IsKEM) && p.hasAddKE() {
		return fmt.Errorf("%w: ML-KEM as the main key exchange must stand alone; put it in an additional key exchange (ke1_) after a classic group", ErrInvalidConfig)
	}
	for i, ids := range p.AddKE {
		for _, id := range ids {
			if id != 0 && !crypto.SupportedGroup(id) {
				return fmt.Errorf("%w: ADDKE%d method %d is not implemented", ErrInvalidConfig, i+1, id)
			}
		}
	}
	return nil
}

// refusedHybridRekey is the fallback for a hybrid IKE SA whose rekey the
// peer refuses for its proposals (it may want additional key exchanges
// we did not offer it, or refuse IKE_FOLLOWUP_KE). Retrying would loop,
// so we delete the SA and end it with an error that makes the client
// reconnect, which reauthenticates with a fresh hybrid IKE SA.
func (sa *SA) refusedHybridRekey(n wire.NotifyType) error {
	if n != wire.NO_PROPOSAL_CHOSEN || len(sa.inter.done) == 0 || sa.crossed != nil {
		return nil
	}
	sa.log.Warn("peer refused the rekey of a hybrid IKE SA; closing it so that a reconnect reauthenticates")
	sa.sendOneWay(wire.INFORMATIONAL, []wire.Payload{wire.NewDeleteIKE()})
	return fmt.Errorf("%w (%v): it accepts none of our proposals for the rekey; "+
		"reconnect to set up a fresh one", ErrRekeyRefused, n)
}

// KeyExchange is the IKE SA's main key exchange method (a KE transform
// ID such as 31 for X25519), following IKE SA rekeys; 0 before the keys
// are agreed. AdditionalKeyExchanges lists the RFC 9370 ones.
func (sa *SA) KeyExchange() uint16 {
	var g uint16
	sa.read(func() { g = sa.suite.KE })
	return g
}

// AdditionalKeyExchanges returns the methods of the additional key
// exchanges (RFC 9370) that went into the IKE SA's keys, in ADDKE order,
// e.g. [36] for a hybrid with ML-KEM-768; none for a classic SA. A rekey
// without IKE_FOLLOWUP_KE keeps the list: the new keys derive from the
// old SK_d. Like SPIs it may be called from an event handler or hook.
func (sa *SA) AdditionalKeyExchanges() []uint16 {
	var out []uint16
	sa.read(func() { out = slices.Clone(sa.inter.done) })
	return out
}
