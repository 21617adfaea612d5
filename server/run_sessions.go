package server

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"flexvpn/tunnel/ike"
	"flexvpn/tunnel/ike/eap"
	"flexvpn/tunnel/ike/wire"
	"flexvpn/tunnel/link"
)

// Sessions follow the engine: the ConfigProvider hook (during IKE_AUTH,
// once the peer is authenticated) authorizes the peer, leases its
// addresses and registers the session, which enforces the caps; the
// first Child SA event then ties the session to its IKE SA, and the SA's
// end releases both. The hook's PeerInfo names the SA, so two SAs of one
// peer (same address and identity) never take each other's session.
//
//	provideConfig ──▶ pending[sa] ──ChildUp──▶ bySA[sa] ──Closed──▶ end
//	      └── SA context done (IKE_AUTH failed after the reply) ─────────────────▶ end
//
// Peers that ask for no configuration are registered at their first
// Child SA; a cap exceeded then closes their SA.

// closeWait bounds how long a Delete sent on shutdown or disconnect waits
// for the peer's answer.
const closeWait = 5 * time.Second

// live is one session's runtime state.
type live struct {
	id       SessionID
	identity string // the IKE identity, for the log
	lease    Lease
	// allowed is the client's side of its Child SAs: its addresses and
	// the networks it announced that we accepted; nil (no configuration
	// payload) filters what each Child SA proposes instead.
	allowed []netip.Prefix
	// local is our side of its Child SAs (its split networks); nil (no
	// configuration payload) offers the Endpoint's union instead.
	local []wire.TrafficSelector
	sa    *ike.SA // set by the config hook, else by the first Child SA
	once  sync.Once
}

// sessionIdentity is the name a session is registered and leased under:
// the EAP identity after EAP, else the IKE identity.
func sessionIdentity(peer ike.PeerInfo) string {
	if peer.EAPIdentity != "" {
		return peer.EAPIdentity
	}
	return PeerIdentity(peer.ID).String()
}

// provideConfig is ike.Config.ConfigProvider.
func (s *Server) provideConfig(ctx context.Context, peer ike.PeerInfo, req []wire.CPAttr) ([]wire.CPAttr, error) {
	s.policy.RLock()
	defer s.policy.RUnlock()
	cfg := s.cfg.Load()
	identity := sessionIdentity(peer)
	authz, err := cfg.Authorize(AuthzRequest{Peer: PeerIdentity(peer.ID), EAPIdentity: peer.EAPIdentity})
	if err != nil {
		return nil, AsNotify(err)
	}
	resp, err := cfg.RespondConfig(identity, authz, req, peer.VendorIDs)
	if err != nil {
		s.log.Info("configuration refused", "peer", identity, "remote", peer.Remote, "err", err)
		return nil, err
	}
	l, err := s.admit(ctx, peer, identity, resp.Lease, clientSide(resp, authz, cfg.Pools), resp.Narrowing.Local)
	if err != nil {
		cfg.Pools.Release(resp.Lease)
		return nil, err
	}
	s.log.Info("session authorized", "id", l.id, "peer", identity, "user", authz.UserName,
		"group", authz.GroupName, "ip4", resp.Lease.IP4, "ip6", resp.Lease.IP6)
	return resp.Attributes, nil
}

// admit registers a session that the SA's first Child SA will bind; the
// caps refuse it with AUTHENTICATION_FAILED. The SA's context ends with
// the SA, whether or not it ever came up, and ends the session.
func (s *Server) admit(ctx context.Context, peer ike.PeerInfo, identity string, lease Lease, allowed []netip.Prefix, local []wire.TrafficSelector) (*live, error) {
	sess, err := s.reg.Add(SessionInfo{Identity: identity, Peer: peer.Remote, Gateway: s.gatewayName(peer.Local.Addr()),
		IP4: lease.IP4, IP6: lease.IP6})
	if err != nil {
		s.log.Info("session refused", "peer", identity, "remote", peer.Remote, "err", err)
		return nil, AsNotify(err)
	}
	l := &live{id: sess.ID, identity: PeerIdentity(peer.ID).String(), lease: lease, allowed: allowed, local: local, sa: peer.SA}
	s.mu.Lock()
	s.pending[peer.SA] = l
	s.mu.Unlock()
	context.AfterFunc(ctx, func() { s.end(l) })
	return l, nil
}

// gatewayName is what `sessions` shows as the gateway a client reached:
// the address it talked to, else (where the OS does not tell) the first
// specific listen address.
func (s *Server) gatewayName(local netip.Addr) string {
	if local.IsValid() && !local.IsUnspecified() {
		return local.Unmap().String()
	}
	for _, a := range s.cfg.Load().Listen {
		if !a.IsUnspecified() {
			return a.String()
		}
	}
	return ""
}

// onEvent is ike.EndpointConfig.OnEvent. It runs on the SA's goroutine,
// so it never calls the SA's methods.
func (s *Server) onEvent(ev ike.Event) {
	switch ev.Kind {
	case ike.EventUp:
		s.mu.Lock()
		s.peers[ev.SA] = ev.Peer
		s.mu.Unlock()
	case ike.EventChildUp:
		s.bind(ev.SA, ev.Child)
		ev.Child = s.clampChild(ev.SA, ev.Child)
	case ike.EventChildRekeyed:
		ev.Child = s.clampChild(ev.SA, ev.Child)
	}
	s.link.HandleEvent(ev)
	if ev.Kind == ike.EventClosed {
		s.mu.Lock()
		l := s.bySA[ev.SA]
		delete(s.peers, ev.SA)
		s.mu.Unlock()
		if l != nil {
			s.end(l)
		}
	}
}

// clientSide is what a session's client may send from and receive at.
func clientSide(resp ConfigResponse, authz Authorization, pools Pools) []netip.Prefix {
	var out []netip.Prefix
	for _, a := range []netip.Addr{resp.Lease.IP4, resp.Lease.IP6} {
		if a.IsValid() {
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	accepted, _ := AcceptAnnounced(resp.Request.Subnets, authz.Attributes, pools)
	return append(out, accepted...)
}

// childSelectors is ike.Config.ChildSelectors: the session the config
// hook just admitted for this SA decides both sides of its Child SAs, so
// a user is offered its own split networks, not every user's, and may
// use only its addresses and accepted networks. Peers without a session
// yet (no configuration payload) keep the Endpoint's lists and the
// clamp in clampChild.
func (s *Server) childSelectors(peer ike.PeerInfo) (local, remote []wire.TrafficSelector) {
	s.mu.Lock()
	l := s.pending[peer.SA]
	s.mu.Unlock()
	if l == nil {
		return nil, nil
	}
	for _, p := range l.allowed {
		remote = append(remote, wire.SelectorFromPrefix(p))
	}
	return l.local, remote
}

// clampChild narrows the client's side of a Child SA to what its session
// allows before the Link routes it. The engine does not narrow TSi for
// FlexVPN clients (they may route networks behind them), and a client
// proposing 0.0.0.0/0 must not draw every other client's traffic.
func (s *Server) clampChild(sa *ike.SA, c *ike.ChildSA) *ike.ChildSA {
	s.mu.Lock()
	l := s.bySA[sa]
	s.mu.Unlock()
	if l == nil {
		return c
	}
	allowed := l.allowed
	if allowed == nil {
		allowed = s.acceptProposed(c.RemoteTS)
	}
	cc := *c
	cc.RemoteTS = clampSelectors(c.RemoteTS, allowed)
	return &cc
}

// acceptProposed applies the announced-networks policy to the selectors
// of a peer that used no configuration payload (a site-to-site peer
// states its networks only there): never the default route, our own
// networks or a pool.
func (s *Server) acceptProposed(ts []wire.TrafficSelector) []netip.Prefix {
	cfg := s.cfg.Load()
	ours := Attributes{SplitNetworks: link.SelectorPrefixes(cfg.Authorizer.reachable())}
	accepted, rejected := AcceptAnnounced(link.SelectorPrefixes(ts), ours, cfg.Pools)
	if len(rejected) > 0 {
		s.log.Warn("refused networks a peer proposed as its own", "networks", rejected)
	}
	return accepted
}

// clampSelectors keeps the allowed prefixes that the selectors cover.
func clampSelectors(ts []wire.TrafficSelector, allowed []netip.Prefix) []wire.TrafficSelector {
	have := link.SelectorPrefixes(ts)
	var out []wire.TrafficSelector
	for _, p := range allowed {
		for _, q := range have {
			if q.Bits() <= p.Bits() && q.Contains(p.Addr()) {
				out = append(out, wire.SelectorFromPrefix(p))
				break
			}
		}
	}
	return out
}

// bind ties the first Child SA's IKE SA to its session, registering one
// for peers that asked for no configuration.
func (s *Server) bind(sa *ike.SA, c *ike.ChildSA) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bySA[sa] != nil {
		return
	}
	l := s.pending[sa]
	if l == nil {
		identity := PeerIdentity(s.peers[sa]).String()
		var err error
		if l, err = s.registerPlain(identity, c.Remote, c.Local.Addr()); err != nil {
			s.log.Info("session refused", "peer", identity, "remote", c.Remote, "err", err)
			go sa.Close(context.Background())
			return
		}
	}
	delete(s.pending, sa)
	l.sa = sa
	s.bySA[sa] = l
}

func (s *Server) registerPlain(identity string, remote netip.AddrPort, local netip.Addr) (*live, error) {
	sess, err := s.reg.Add(SessionInfo{Identity: identity, Peer: remote, Gateway: s.gatewayName(local)})
	if err != nil {
		return nil, err
	}
	return &live{id: sess.ID, identity: identity}, nil
}

// end releases a session once: registry entry, addresses, byte meter.
func (s *Server) end(l *live) {
	l.once.Do(func() {
		s.mu.Lock()
		if s.pending[l.sa] == l {
			delete(s.pending, l.sa)
		}
		if l.sa != nil && s.bySA[l.sa] == l {
			delete(s.bySA, l.sa)
		}
		s.mu.Unlock()
		s.meter.forget(l.lease)
		s.reg.Remove(l.id)
		s.policy.RLock()
		s.cfg.Load().Pools.Release(l.lease)
		s.policy.RUnlock()
		s.log.Info("session ended", "id", l.id, "peer", l.identity)
	})
}

// eapServer is ike.Config.EAPServer: the local users behind the shared
// failure limiter.
func (s *Server) eapServer(peer ike.PeerInfo) (ike.EAPAuthenticator, error) {
	cfg := s.cfg.Load()
	a, err := eap.NewLocalAuthenticator(eap.AuthenticatorConfig{
		NoQueryIdentity: !cfg.QueryIdentity,
		IKEIdentity:     peer.ID.String(),
		Users:           EAPUsers{Authorizer: cfg.Authorizer},
		Logger:          s.log.With("component", "eap", "remote", peer.Remote),
	})
	if err != nil {
		return nil, fmt.Errorf("eap: %w", err)
	}
	return eap.WithLimiter(a, s.limiter, peer.Remote.Addr()), nil
}

// redirectHook is ike.Config.Redirect, asking the current configuration.
func (s *Server) redirectHook(remote netip.AddrPort, peer *ike.PeerInfo) (wire.GatewayID, bool) {
	h := s.cfg.Load().RedirectHook(s.self, s.loads)
	if h == nil {
		return wire.GatewayID{}, false
	}
	return h(remote, peer)
}

// redirectInitHook is ike.Config.RedirectInit, asking the current
// configuration with the gateway the client says sent it here.
func (s *Server) redirectInitHook(remote netip.AddrPort, from *wire.GatewayID) (wire.GatewayID, bool) {
	h := s.cfg.Load().RedirectInitHook(s.self, s.loads)
	if h == nil {
		return wire.GatewayID{}, false
	}
	return h(remote, from)
}
