package ike

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"flexvpn/tunnel/ike/crypto"
	"flexvpn/tunnel/ike/wire"
)

// The Child SA payloads (SA, TSi, TSr) as carried in IKE_AUTH and
// CREATE_CHILD_SA, and KEYMAT (RFC 7296 2.17):
//
//	KEYMAT = prf+(SK_d, [g^ir (new)] | Ni | Nr)
//
// taken in the order encr(i->r), integ(i->r), encr(r->i), integ(r->i),
// where i is the initiator of the exchange that created the Child SA.

// childNegotiation is a Child SA being set up by us.
type childNegotiation struct {
	inSPI uint32
	kex   crypto.KeyExchange // PFS key exchange in CREATE_CHILD_SA
	nonce []byte             // our nonce in CREATE_CHILD_SA
	rekey *ChildSA           // the SA this one replaces, if any
}

func (sa *SA) newChildNegotiation(rekey *ChildSA) *childNegotiation {
	return &childNegotiation{inSPI: sa.ep.allocChildSPI(), rekey: rekey}
}

// pfsProposals are our ESP proposals with the key exchange group set
// where a proposal lists none (PFS in CREATE_CHILD_SA).
func (sa *SA) pfsProposals(group uint16) []Proposal {
	out := make([]Proposal, len(sa.cfg.ESPProposals))
	for i, p := range sa.cfg.ESPProposals {
		if len(p.KE) == 0 {
			p.KE = []uint16{group}
		}
		out[i] = p
	}
	return out
}

// childProposals are the ESP proposals for a negotiation.
func (sa *SA) childProposals(c *childNegotiation) []Proposal {
	if c.kex != nil {
		return sa.pfsProposals(c.kex.Group())
	}
	return sa.cfg.ESPProposals
}

// childRequestPayloads proposes our ESP proposals with our inbound SPI.
func (sa *SA) childRequestPayloads(c *childNegotiation, withKE bool) []wire.Payload {
	props := sa.childProposals(c)
	localTS, remoteTS := sa.cfg.LocalTS, sa.cfg.RemoteTS
	if c.rekey != nil {
		localTS, remoteTS = c.rekey.LocalTS, c.rekey.RemoteTS
	}
	return []wire.Payload{
		&wire.SA{Proposals: toWire(props, wire.ProtoESP, spiBytes(c.inSPI), withKE)},
		&wire.TS{Responder: false, Selectors: localTS},
		&wire.TS{Responder: true, Selectors: remoteTS},
	}
}

// childFromResponse completes a Child SA we proposed.
func (sa *SA) childFromResponse(c *childNegotiation, ps []wire.Payload, ni, nr, gir []byte) (*ChildSA, error) {
	sap := first[*wire.SA](ps)
	tsi, tsr := findTS(ps, wire.PayloadTSi), findTS(ps, wire.PayloadTSr)
	if sap == nil || tsi == nil || tsr == nil {
		return nil, fmt.Errorf("%w: Child SA response lacks SA, TSi or TSr", ErrProtocol)
	}
	chosen, err := checkChosen(sap.Proposals, sa.childProposals(c), wire.ProtoESP, sa.cfg.AllowLegacy, c.kex == nil)
	if err != nil {
		return nil, err
	}
	out, ok := spi32(chosen.SPI)
	if !ok || len(tsi.Selectors) == 0 || len(tsr.Selectors) == 0 {
		return nil, fmt.Errorf("%w: Child SA response with bad SPI or empty selectors", ErrProtocol)
	}
	return sa.makeChild(chosen, c.inSPI, out, tsi.Selectors, tsr.Selectors, gir, ni, nr, true)
}

// respondChild selects an ESP proposal and narrows the selectors for a
// Child SA the peer proposes. assigned, when set, narrows TSi to the
// addresses we handed out by CP.
func (sa *SA) respondChild(ps []wire.Payload, ni, nr []byte, ke *wire.KE, rekey *ChildSA) ([]wire.Payload, *ChildSA, error) {
	sap := first[*wire.SA](ps)
	tsi, tsr := findTS(ps, wire.PayloadTSi), findTS(ps, wire.PayloadTSr)
	if sap == nil || tsi == nil || tsr == nil {
		return nil, nil, notifyErr(wire.INVALID_SYNTAX, "Child SA request lacks SA, TSi or TSr")
	}
	ours := sa.cfg.ESPProposals
	if ke != nil {
		ours = sa.pfsProposals(ke.Group)
	}
	chosen, ok := selectProposal(sap.Proposals, ours, wire.ProtoESP, sa.cfg.AllowLegacy, ke == nil)
	if !ok {
		return nil, nil, notifyErr(wire.NO_PROPOSAL_CHOSEN, "no acceptable ESP proposal")
	}
	gir, kePayload, err := sa.childKeyExchange(chosen, ke)
	if err != nil {
		return nil, nil, err
	}
	out, ok := spi32(chosen.SPI)
	if !ok {
		return nil, nil, notifyErr(wire.INVALID_SYNTAX, "ESP SPI of %d bytes", len(chosen.SPI))
	}
	remoteTS, localTS := sa.narrowSelectors(tsi.Selectors, tsr.Selectors, rekey)
	if len(remoteTS) == 0 || len(localTS) == 0 {
		return nil, nil, notifyErr(wire.TS_UNACCEPTABLE, "no overlap with our traffic selectors")
	}
	in := sa.ep.allocChildSPI()
	chosen.SPI = spiBytes(in)
	child, err := sa.makeChild(chosen, in, out, localTS, remoteTS, gir, ni, nr, false)
	if err != nil {
		return nil, nil, err
	}
	resp := []wire.Payload{&wire.SA{Proposals: []wire.Proposal{chosen}}}
	if kePayload != nil {
		resp = append(resp, kePayload)
	}
	return append(resp, &wire.TS{Responder: false, Selectors: remoteTS}, &wire.TS{Responder: true, Selectors: localTS}), child, nil
}

// childKeyExchange answers the initiator's PFS KE with ours.
func (sa *SA) childKeyExchange(chosen wire.Proposal, ke *wire.KE) ([]byte, *wire.KE, error) {
	if ke == nil {
		return nil, nil, nil
	}
	if g, _ := transformID(chosen, wire.TransformKE); g != ke.Group {
		return nil, nil, &wire.NotifyError{Type: wire.INVALID_KE_PAYLOAD, Data: wire.NewInvalidKEPayload(g).Data}
	}
	kex, err := crypto.NewResponderKeyExchange(ke.Group, sa.rand())
	if err != nil {
		return nil, nil, notifyErr(wire.NO_PROPOSAL_CHOSEN, "group %d: %v", ke.Group, err)
	}
	defer crypto.Forget(kex)
	gir, err := kex.Shared(ke.Data)
	if err != nil {
		return nil, nil, notifyErr(wire.INVALID_SYNTAX, "peer public value: %v", err)
	}
	return gir, &wire.KE{Group: kex.Group(), Data: kex.Public()}, nil
}

// narrowSelectors applies our policy: the peer's side is limited to the
// addresses we assigned by CP (unless the peer is a FlexVPN client,
// which routes networks behind it) and to RemoteTS; our side to LocalTS.
func (sa *SA) narrowSelectors(tsi, tsr []wire.TrafficSelector, rekey *ChildSA) (remote, local []wire.TrafficSelector) {
	if rekey != nil {
		return narrow(tsi, rekey.RemoteTS), narrow(tsr, rekey.LocalTS)
	}
	ourPolicy := sa.cfg.LocalTS
	if sa.peerLocalTS != nil {
		ourPolicy = sa.peerLocalTS
	}
	if sa.peerRemoteTS != nil {
		return narrow(tsi, sa.peerRemoteTS), narrow(tsr, ourPolicy)
	}
	peerPolicy := sa.cfg.RemoteTS
	if len(sa.assigned) > 0 && !sa.peerIsFlexVPN() {
		peerPolicy = narrow(hostSelectors(sa.assigned), peerPolicy)
	}
	return narrow(tsi, peerPolicy), narrow(tsr, ourPolicy)
}

// askChildSelectors takes this peer's selector policy from the
// ChildSelectors hook, once per IKE SA: what a gateway may offer and
// accept depends on who the peer is, which one list per Endpoint
// cannot say.
func (sa *SA) askChildSelectors() {
	if sa.cfg.ChildSelectors == nil {
		return
	}
	sa.peerLocalTS, sa.peerRemoteTS = sa.cfg.ChildSelectors(sa.peerInfo())
}

func (sa *SA) peerIsFlexVPN() bool {
	for _, v := range sa.peer.vendorIDs {
		if string(v) == string(VendorFlexVPN) {
			return true
		}
	}
	return false
}

// makeChild derives the keys. weInitiated tells whether we sent the
// request of the exchange that creates the SA (i2r keys are then ours).
func (sa *SA) makeChild(chosen wire.Proposal, in, out uint32, localTS, remoteTS []wire.TrafficSelector, gir, ni, nr []byte, weInitiated bool) (*ChildSA, error) {
	encr, bits := transformID(chosen, wire.TransformENCR)
	integ, _ := transformID(chosen, wire.TransformINTEG)
	esn, _ := transformID(chosen, wire.TransformESN)
	encrLen, err := crypto.EncrKeyLen(encr, bits)
	if err != nil {
		return nil, err
	}
	integLen := 0
	if integ != wire.AUTH_NONE {
		if integLen, err = crypto.IntegKeyLen(integ); err != nil {
			return nil, err
		}
	}
	i2r, r2i := crypto.DeriveChildKeys(sa.prf, sa.keys.SKd, gir, ni, nr, encrLen, integLen)
	c := &ChildSA{InSPI: in, OutSPI: out, Encr: encr, EncrKeyBits: bits, Integ: integ, ESN: esn == wire.ESN_YES,
		LocalTS: localTS, RemoteTS: remoteTS, Local: sa.local, Remote: sa.remote, Encap: sa.encapsulated()}
	mine, theirs := ChildKeys(i2r), ChildKeys(r2i)
	if !weInitiated {
		mine, theirs = theirs, mine
	}
	c.Out, c.In = mine, theirs
	return c, nil
}

// encapsulated reports ESP-in-UDP: a NAT (real or faked) or an SA that
// runs on NAT-T anyway (started there).
func (sa *SA) encapsulated() bool {
	return sa.natLocal || sa.natRemote || sa.onNATT()
}

// installChild records a new Child SA and reports it.
func (sa *SA) installChild(c, old *ChildSA) {
	sa.children = append(sa.children, c)
	if old != nil {
		sa.log.Info("Child SA rekeyed", "child", c.String(), "old", old.String())
		sa.ep.emit(Event{Kind: EventChildRekeyed, SA: sa, Child: c, OldChild: old})
		return
	}
	sa.log.Info("Child SA up", "child", c.String())
	sa.ep.emit(Event{Kind: EventChildUp, SA: sa, Child: c})
}

// removeChild forgets c and releases its SPI.
func (sa *SA) removeChild(c *ChildSA) {
	for i, x := range sa.children {
		if x == c {
			sa.children = append(sa.children[:i], sa.children[i+1:]...)
			break
		}
	}
	sa.ep.releaseChildSPI(c.InSPI)
}

func (sa *SA) childByInSPI(spi uint32) *ChildSA {
	for _, c := range sa.children {
		if c.InSPI == spi {
			return c
		}
	}
	return nil
}

func (sa *SA) childByOutSPI(spi uint32) *ChildSA {
	for _, c := range sa.children {
		if c.OutSPI == spi {
			return c
		}
	}
	return nil
}

// allocChildSPI returns an inbound ESP SPI unique on this endpoint
// (values below 256 are reserved, RFC 4303 2.1).
func (e *Endpoint) allocChildSPI() uint32 {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.childSPIs == nil {
		e.childSPIs = map[uint32]bool{}
	}
	for {
		spi := binary.BigEndian.Uint32(randomBytes(4))
		if spi >= 256 && !e.childSPIs[spi] {
			e.childSPIs[spi] = true
			return spi
		}
	}
}

func (e *Endpoint) releaseChildSPI(spi uint32) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.childSPIs, spi)
}

// assignedAddrs extracts the addresses a CP reply hands out.
func assignedAddrs(attrs []wire.CPAttr) []netip.Addr {
	var out []netip.Addr
	for _, a := range attrs {
		switch {
		case a.Type == wire.INTERNAL_IP4_ADDRESS && len(a.Value) == 4:
			out = append(out, netip.AddrFrom4([4]byte(a.Value)))
		case a.Type == wire.INTERNAL_IP6_ADDRESS && len(a.Value) == 17:
			out = append(out, netip.AddrFrom16([16]byte(a.Value[:16])))
		}
	}
	return out
}
