package server

import (
	"context"
	"net/netip"

	"flexvpn/tunnel/ike"
	"flexvpn/tunnel/ike/wire"
)

// Push mode (seed ch.4 §1.1): a router client announces the networks
// behind it in a CFG_SET, which we acknowledge with CFG_ACK for what
// AcceptAnnounced allows; a client that sent no CP at all gets a CFG_SET
// with what policy has for it (no address: addresses only go to clients
// that ask).

// configSet is ike.Config.ConfigSet. The session it registers routes only
// the accepted networks to the client; a refusal (caps) sends no CFG_ACK,
// and the Child SA that follows is then refused too.
func (s *Server) configSet(ctx context.Context, peer ike.PeerInfo, set []wire.CPAttr) ([]wire.CPAttr, error) {
	cfg := s.cfg.Load()
	identity := sessionIdentity(peer)
	authz, err := cfg.Authorize(AuthzRequest{Peer: PeerIdentity(peer.ID), EAPIdentity: peer.EAPIdentity})
	if err != nil {
		return nil, AsNotify(err)
	}
	req := ParseCPRequest(set)
	accepted, rejected := AcceptAnnounced(req.Subnets, authz.Attributes, cfg.Pools)
	if len(rejected) > 0 {
		s.log.Warn("refused announced networks", "peer", identity, "networks", rejected)
	}
	if accepted == nil {
		accepted = []netip.Prefix{}
	}
	l, err := s.admit(ctx, peer, identity, Lease{}, accepted, nil)
	if err != nil {
		return nil, err
	}
	s.log.Info("router session authorized", "id", l.id, "peer", identity, "networks", accepted)
	return BuildCPAck(req, accepted), nil
}

// configPush is ike.Config.ConfigPush.
func (s *Server) configPush(_ context.Context, peer ike.PeerInfo) []wire.CPAttr {
	cfg := s.cfg.Load()
	authz, err := cfg.Authorize(AuthzRequest{Peer: PeerIdentity(peer.ID), EAPIdentity: peer.EAPIdentity})
	if err != nil {
		return nil
	}
	return BuildCPSet(authz.Attributes, ReplyInfo{AppVersion: cfg.AppVersion, CiscoClient: IsCiscoClient(peer.VendorIDs)})
}
