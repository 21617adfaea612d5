package ike

import (
	"bytes"
	"fmt"
	"net/netip"
	"slices"

	"flexvpn/tunnel/ike/crypto"
	"flexvpn/tunnel/ike/wire"
)

// IKE_SA_INIT (RFC 7296 1.2):
//
//	Initiator                         Responder
//	HDR, SAi1, KEi, Ni, N(NAT-D)..  -->
//	                               <--  HDR, SAr1, KEr, Nr, N(NAT-D).., [CERTREQ]
//
// or, stateless, <-- N(COOKIE) / N(INVALID_KE_PAYLOAD) / N(NO_PROPOSAL_CHOSEN),
// after which the initiator retries (the first two) with message ID 0.

const nonceLen = 32

// Bounds on stateless retries so that a hostile responder cannot keep us
// looping.
const (
	maxCookieRetries  = 3
	maxInvalidKERetry = 2
)

type ikeInitTask struct {
	group     uint16
	cookie    []byte
	cookieTry int
	keTry     int
}

func newIKEInitTask() *ikeInitTask { return &ikeInitTask{} }

func (t *ikeInitTask) kind() taskKind              { return taskIKEInit }
func (t *ikeInitTask) exchange() wire.ExchangeType { return wire.IKE_SA_INIT }

func (t *ikeInitTask) build(sa *SA) ([]wire.Payload, error) {
	sa.setState(StateInitSent)
	sa.spir = 0
	if t.group == 0 {
		t.group = sa.cfg.IKEProposals[0].KE[0]
	}
	if sa.kex == nil || sa.kex.Group() != t.group {
		kex, err := crypto.NewKeyExchange(t.group, sa.rand())
		if err != nil {
			return nil, fmt.Errorf("ike: key exchange group %d: %w", t.group, err)
		}
		sa.kex = kex
	}
	if sa.ni == nil {
		sa.ni = sa.randomBytes(nonceLen)
	}
	var ps []wire.Payload
	if t.cookie != nil {
		ps = append(ps, &wire.Notify{NotifyType: wire.COOKIE, Data: t.cookie}) // must come first
	}
	ps = append(ps,
		&wire.SA{Proposals: toWire(sa.ikeOffer(), wire.ProtoIKE, nil, true)},
		&wire.KE{Group: t.group, Data: sa.kex.Public()},
		&wire.Nonce{Data: sa.ni})
	ps = append(ps, sa.natdPayloads()...)
	ps = append(ps, sa.capabilityPayloads()...)
	if sa.inter.offered = sa.cfg.wantsIntermediate(); sa.inter.offered {
		ps = append(ps, &wire.Notify{NotifyType: wire.INTERMEDIATE_EXCHANGE_SUPPORTED})
	}
	if sa.cfg.RedirectedFrom != nil {
		if n, err := wire.NewRedirectedFrom(*sa.cfg.RedirectedFrom); err == nil {
			ps = append(ps, n)
		}
	} else {
		ps = append(ps, &wire.Notify{NotifyType: wire.REDIRECT_SUPPORTED})
	}
	return append(ps, sa.vendorPayloads()...), nil
}

// capabilityPayloads announces fragmentation and signature hashes.
func (sa *SA) capabilityPayloads() []wire.Payload {
	var ps []wire.Payload
	if !sa.cfg.NoFragmenting {
		ps = append(ps, &wire.Notify{NotifyType: wire.IKEV2_FRAGMENTATION_SUPPORTED})
	}
	return append(ps, sa.signatureHashes()...)
}

// signatureHashes announces RFC 7427 support unless configured off.
func (sa *SA) signatureHashes() []wire.Payload {
	if sa.cfg.NoSignatureHashes {
		return nil
	}
	return []wire.Payload{wire.NewSignatureHashAlgorithms(crypto.SupportedSignatureHashes()...)}
}

func (sa *SA) vendorPayloads() []wire.Payload {
	var ps []wire.Payload
	for _, v := range sa.cfg.VendorIDs {
		ps = append(ps, wire.NewVendorID(v))
	}
	return ps
}

// natdPayloads computes NAT_DETECTION_SOURCE_IP/DESTINATION_IP. With
// ForceEncap the source hash is of an address we do not have, so the peer
// believes we are behind a NAT and both sides float to 4500 (what
// strongSwan's encap=yes does).
func (sa *SA) natdPayloads() []wire.Payload {
	src := sa.local
	if sa.cfg.ForceEncap {
		src = netip.AddrPortFrom(netip.AddrFrom4([4]byte(sa.randomBytes(4))), uint16(sa.randomBytes(2)[0])<<8)
	}
	return []wire.Payload{
		&wire.Notify{NotifyType: wire.NAT_DETECTION_SOURCE_IP, Data: crypto.NATDetectionHash(sa.spii, sa.spir, src)},
		&wire.Notify{NotifyType: wire.NAT_DETECTION_DESTINATION_IP, Data: crypto.NATDetectionHash(sa.spii, sa.spir, sa.remote)},
	}
}

// detectNAT compares the peer's NAT-D hashes with our view of the
// addresses (RFC 7296 2.23). The hashes cover the SPIs of the message's
// own header: in the request SPIr is still zero, whatever the responder
// has allocated since.
func (sa *SA) detectNAT(m *message, local, remote netip.AddrPort) {
	spii, spir := m.hdr.SPIi, m.hdr.SPIr
	var sawSrc, sawDst, srcOK, dstOK bool
	for _, n := range all[*wire.Notify](m.payloads) {
		switch n.NotifyType {
		case wire.NAT_DETECTION_SOURCE_IP:
			sawSrc = true
			srcOK = srcOK || bytes.Equal(n.Data, crypto.NATDetectionHash(spii, spir, remote))
		case wire.NAT_DETECTION_DESTINATION_IP:
			sawDst = true
			dstOK = dstOK || bytes.Equal(n.Data, crypto.NATDetectionHash(spii, spir, local))
		}
	}
	sa.natRemote = sawSrc && !srcOK
	sa.natLocal = (sawDst && !dstOK) || sa.cfg.ForceEncap
}

// floatToNATT moves the SA to the NAT-T ports when a NAT was detected
// (or faked): RFC 7296 2.23 and RFC 3948. Ours is the endpoint's NAT-T
// port, the gateway's Config.RemoteNATTPort.
func (sa *SA) floatToNATT() {
	if !(sa.natLocal || sa.natRemote) || sa.onNATT() {
		return
	}
	sa.remote = netip.AddrPortFrom(sa.remote.Addr(), sa.cfg.RemoteNATTPort)
	sa.local = netip.AddrPortFrom(sa.local.Addr(), sa.ep.cfg.NATTPort)
	sa.log.Debug("NAT detected, floating to NAT-T", "remote", sa.remote, "local-nat", sa.natLocal, "remote-nat", sa.natRemote)
}

// onNATT reports whether the SA uses our NAT-T socket, where IKE carries
// the non-ESP marker and ESP is UDP-encapsulated. The socket we send from
// decides, not the peer's port number: a gateway's NAT-T port need not be
// 4500, and a peer behind a NAT uses whatever port its NAT picked. An
// endpoint whose two ports are one is all NAT-T, as transports treat it.
func (sa *SA) onNATT() bool {
	return sa.local.Port() == sa.ep.cfg.NATTPort
}

func (t *ikeInitTask) process(sa *SA, m *message) (step, error) {
	if st, err, handled := t.processError(sa, m); handled {
		return st, err
	}
	if m.hdr.SPIr == 0 {
		return 0, fmt.Errorf("%w: IKE_SA_INIT response without responder SPI", ErrProtocol)
	}
	sa.spir = m.hdr.SPIr
	chosen, err := sa.checkInitResponse(m.payloads)
	if err != nil {
		return 0, err
	}
	ke := first[*wire.KE](m.payloads)
	err = sa.deriveIKEKeys(chosen, ke, sa.ni, findNonce(m.payloads), true)
	sa.forgetKeyExchange()
	if err != nil {
		return 0, err
	}
	sa.initResp = m.raw
	sa.learnCaps(m.payloads)
	sa.detectNAT(m, sa.local, sa.remote)
	sa.floatToNATT()
	sa.setState(StateAuthSent)
	if err := sa.startAddKE(chosen, m.payloads); err != nil {
		return 0, err
	}
	sa.queue(newIKEAuthTask())
	return stepDone, nil
}

// processError handles the stateless answers: COOKIE and INVALID_KE
// restart the exchange, anything else ends it.
func (t *ikeInitTask) processError(sa *SA, m *message) (step, error, bool) {
	if c := findNotify(m.payloads, wire.COOKIE); c != nil {
		if t.cookieTry++; t.cookieTry > maxCookieRetries {
			return 0, fmt.Errorf("%w: responder keeps asking for cookies", ErrProtocol), true
		}
		sa.log.Debug("responder asked for a cookie, retrying")
		t.cookie = append([]byte(nil), c.Data...)
		return stepRestart, nil, true
	}
	if n := findNotify(m.payloads, wire.INVALID_KE_PAYLOAD); n != nil {
		return t.retryGroup(sa, n)
	}
	if n := wire.FirstError(m.payloads); n != nil {
		pe := &PeerError{Type: n.NotifyType}
		if n.NotifyType == wire.NO_PROPOSAL_CHOSEN && !sa.cfg.AllowLegacy {
			pe.Hint = legacyHint
		}
		return 0, pe, true
	}
	if rd := findNotify(m.payloads, wire.REDIRECT); rd != nil {
		return sa.redirectInInit(rd)
	}
	return 0, nil, false
}

// retryGroup restarts with the group the responder asked for, if we
// offered it (RFC 7296 1.2).
func (t *ikeInitTask) retryGroup(sa *SA, n *wire.Notify) (step, error, bool) {
	g, err := wire.ParseInvalidKEPayload(n)
	if err != nil || g == t.group || !offersGroup(sa.cfg.IKEProposals, g) {
		return 0, &PeerError{Type: wire.INVALID_KE_PAYLOAD, Hint: fmt.Sprintf("responder wants group %d which we did not offer", g)}, true
	}
	if t.keTry++; t.keTry > maxInvalidKERetry {
		return 0, &PeerError{Type: wire.INVALID_KE_PAYLOAD}, true
	}
	sa.log.Debug("responder wants another key exchange group", "group", g)
	t.group = g
	return stepRestart, nil, true
}

func offersGroup(ps []Proposal, g uint16) bool {
	for _, p := range ps {
		if slices.Contains(p.KE, g) {
			return true
		}
	}
	return false
}

// checkInitResponse validates SAr1, KEr and Nr.
func (sa *SA) checkInitResponse(ps []wire.Payload) (wire.Proposal, error) {
	sap, ke, nr := first[*wire.SA](ps), first[*wire.KE](ps), findNonce(ps)
	if sap == nil || ke == nil || nr == nil {
		return wire.Proposal{}, fmt.Errorf("%w: IKE_SA_INIT response lacks SA, KE or Nonce", ErrProtocol)
	}
	mode := addKENoneOnly
	if sa.inter.offered {
		mode = addKENegotiate
	}
	chosen, err := checkChosenWith(sap.Proposals, sa.ikeOffer(), wire.ProtoIKE, matchOpts{allowLegacy: sa.cfg.AllowLegacy, addKE: mode})
	if err != nil {
		return chosen, err
	}
	if g, _ := transformID(chosen, wire.TransformKE); g != ke.Group || g != sa.kex.Group() {
		return chosen, fmt.Errorf("%w: KE group %d does not match the chosen proposal", ErrProtocol, ke.Group)
	}
	return chosen, nil
}

// deriveIKEKeys runs the key exchange and derives SK_* (RFC 7296 2.14).
func (sa *SA) deriveIKEKeys(chosen wire.Proposal, ke *wire.KE, ni, nr []byte, initiator bool) error {
	if len(nr) < 16 || len(nr) > 256 || len(ni) < 16 || len(ni) > 256 {
		return notifyErr(wire.INVALID_SYNTAX, "nonce length %d/%d", len(ni), len(nr))
	}
	shared, err := sa.kex.Shared(ke.Data)
	if err != nil {
		return notifyErr(wire.INVALID_SYNTAX, "peer public value: %v", err)
	}
	sa.suite = suiteOf(chosen)
	if sa.prf, err = crypto.NewPRF(sa.suite.PRF); err != nil {
		return err
	}
	if sa.keys, err = crypto.DeriveIKEKeys(sa.suite, ni, nr, shared, sa.spii, sa.spir); err != nil {
		return err
	}
	sa.ni, sa.nr = ni, nr
	sa.out, sa.in, err = sa.keys.Ciphers(sa.suite, initiator)
	return err
}

func suiteOf(p wire.Proposal) crypto.Suite {
	encr, bits := transformID(p, wire.TransformENCR)
	prf, _ := transformID(p, wire.TransformPRF)
	integ, _ := transformID(p, wire.TransformINTEG)
	ke, _ := transformID(p, wire.TransformKE)
	return crypto.Suite{Encr: encr, EncrKeyBits: bits, PRF: prf, Integ: integ, KE: ke}
}

// learnCaps records what the peer supports.
func (sa *SA) learnCaps(ps []wire.Payload) {
	sa.peer.fragmentation = findNotify(ps, wire.IKEV2_FRAGMENTATION_SUPPORTED) != nil
	sa.peer.redirect, sa.peer.redirectedBy = redirectCaps(ps)
	if n := findNotify(ps, wire.SIGNATURE_HASH_ALGORITHMS); n != nil {
		sa.peer.hashes, _ = wire.ParseSignatureHashAlgorithms(n)
	}
	sa.peer.vendorIDs = append(sa.peer.vendorIDs, vendorIDs(ps)...)
}

// respondInit is the responder's IKE_SA_INIT.
func (sa *SA) respondInit(m *message) ([]wire.Payload, func(), error) {
	sap, ke, ni := first[*wire.SA](m.payloads), first[*wire.KE](m.payloads), findNonce(m.payloads)
	if sap == nil || ke == nil || ni == nil {
		return nil, nil, notifyErr(wire.INVALID_SYNTAX, "IKE_SA_INIT request lacks SA, KE or Nonce")
	}
	if ps, after, ok := sa.redirectNewPeer(m, ni); ok {
		return ps, after, nil
	}
	sa.inter.peer = findNotifyIn(m.payloads, wire.INTERMEDIATE_EXCHANGE_SUPPORTED)
	chosen, ok := selectIKEProposal(sap.Proposals, sa.cfg.IKEProposals, sa.cfg.AllowLegacy, sa.addKEMode())
	if !ok {
		sa.log.Info("no acceptable IKE proposal", "offered", len(sap.Proposals))
		return nil, nil, notifyErr(wire.NO_PROPOSAL_CHOSEN, "no acceptable IKE proposal")
	}
	sa.log.Debug("chose IKE proposal", "number", chosen.Number, "transforms", describe(chosen))
	if g, _ := transformID(chosen, wire.TransformKE); g != ke.Group {
		sa.log.Debug("asking initiator for another group", "got", ke.Group, "want", g)
		return nil, nil, &wire.NotifyError{Type: wire.INVALID_KE_PAYLOAD, Data: wire.NewInvalidKEPayload(g).Data, Msg: "wrong group"}
	}
	kex, err := crypto.NewResponderKeyExchange(ke.Group, sa.rand())
	if err != nil {
		return nil, nil, notifyErr(wire.NO_PROPOSAL_CHOSEN, "group %d: %v", ke.Group, err)
	}
	sa.kex = kex
	sa.inter.pending = chosenAddKE(chosen)
	if err := sa.deriveIKEKeys(chosen, ke, ni, sa.randomBytes(nonceLen), false); err != nil {
		sa.forgetKeyExchange()
		return nil, nil, err
	}
	sa.initReq = m.raw
	sa.learnCaps(m.payloads)
	sa.detectNAT(m, m.local, m.remote)
	sa.setState(StateInitReplied)
	ps := sa.initResponsePayloads(chosen)
	// A retransmitted request is answered from the response cache
	// (acceptInitRequest), so nothing needs the private value again.
	sa.forgetKeyExchange()
	return ps, nil, nil
}

// forgetKeyExchange drops the IKE_SA_INIT key exchange once the keys are
// derived: the SA lives for hours and a memory dump of it should not
// hold the private value. The group stays in sa.suite.KE.
func (sa *SA) forgetKeyExchange() {
	crypto.Forget(sa.kex)
	sa.kex = nil
}

func (sa *SA) initResponsePayloads(chosen wire.Proposal) []wire.Payload {
	ps := []wire.Payload{
		&wire.SA{Proposals: []wire.Proposal{chosen}},
		&wire.KE{Group: sa.kex.Group(), Data: sa.kex.Public()},
		&wire.Nonce{Data: sa.nr},
	}
	ps = append(ps, sa.natdPayloads()...)
	if sa.peer.fragmentation && !sa.cfg.NoFragmenting {
		ps = append(ps, &wire.Notify{NotifyType: wire.IKEV2_FRAGMENTATION_SUPPORTED})
	}
	ps = append(ps, sa.signatureHashes()...)
	if sa.inter.peer && !sa.cfg.NoIntermediate {
		ps = append(ps, &wire.Notify{NotifyType: wire.INTERMEDIATE_EXCHANGE_SUPPORTED})
	}
	if cr := sa.certReq(); cr != nil {
		ps = append(ps, cr)
	}
	return append(ps, sa.vendorPayloads()...)
}
