package server

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"flexvpn/tunnel/ike"
	"flexvpn/tunnel/ike/wire"
)

// The responder's ike.Config, built from a Config. Keys are looked up
// per peer (Config.PSKFor → Keyring.Lookup) and so are the selectors of
// a session's Child SAs (Config.ChildSelectors); LocalTS, the union of
// what any user may reach, only serves peers without a configuration
// payload.

// pskFor is the engine's per-peer key hook: the keyring entry of the
// peer's identity, else of its address, from the current configuration
// (so a reload changes keys without a new Endpoint). A peer without an
// entry gets no key, not an error: it may authenticate by certificate or
// EAP, and a PSK AUTH from it then fails to verify.
func (s *Server) pskFor(p ike.PeerInfo) (local, remote []byte, err error) {
	e, ok := s.cfg.Load().Keyring.Lookup(PeerIdentity(p.ID), p.Remote.Addr())
	if !ok {
		return nil, nil, nil
	}
	return e.Key.Local, e.Key.Remote, nil
}

// EngineIdentity converts our identity type to the engine's.
func EngineIdentity(id Identity) ike.Identity {
	return ike.Identity{Type: id.Type, Data: slices.Clone(id.Data)}
}

// PeerIdentity converts the engine's peer identity to ours.
func PeerIdentity(id ike.Identity) Identity {
	return Identity{Type: id.Type, Data: slices.Clone(id.Data)}
}

// localID is IDr: the configured identity, else the certificate's
// subject, else our listen address.
func (c *Config) localID(cr Credentials) (ike.Identity, error) {
	switch {
	case len(c.LocalID.Data) > 0:
		return EngineIdentity(c.LocalID), nil
	case len(cr.Chain) > 0:
		return ike.DNIdentity(cr.Chain[0].RawSubject), nil
	}
	for _, a := range c.Listen {
		if !a.IsUnspecified() {
			return ike.IPIdentity(a), nil
		}
	}
	return ike.Identity{}, fmt.Errorf("%w: set [server] identity (no certificate and no specific listen address to take it from)", ErrConfig)
}

// reachable is the union of the selectors any authorization can yield:
// the defaults, every group and every user merged over the defaults. A
// full tunnel anywhere makes it everything.
func (a *Authorizer) reachable() []wire.TrafficSelector {
	sets := []Attributes{a.Defaults}
	for _, g := range a.Groups {
		sets = append(sets, Merge(g.Attributes, a.Defaults))
	}
	for _, u := range a.Users {
		sets = append(sets, Merge(u.Attributes, a.Defaults))
	}
	var out []wire.TrafficSelector
	both := Lease{IP4: netip.IPv4Unspecified(), IP6: netip.IPv6Unspecified()}
	for _, s := range sets {
		for _, ts := range AllowedSelectors(s, both).Local {
			if !slices.ContainsFunc(out, func(o wire.TrafficSelector) bool { return sameSelector(o, ts) }) {
				out = append(out, ts)
			}
		}
	}
	return out
}

func sameSelector(a, b wire.TrafficSelector) bool {
	return a.Type == b.Type && a.IPProto == b.IPProto && a.StartPort == b.StartPort &&
		a.EndPort == b.EndPort && a.Start == b.Start && a.End == b.End
}

// engineConfig is the responder configuration for ike.NewEndpoint. The
// hooks are the Server's, so that a reload changes their policy without
// a new Endpoint.
func (s *Server) engineConfig(c *Config, cr Credentials) (*ike.Config, error) {
	id, err := c.localID(cr)
	if err != nil {
		return nil, err
	}
	ec := &ike.Config{
		LocalID:      id,
		Certificates: cr.Chain,
		Signer:       cr.Signer,
		CAs:          cr.CAs,
		IKEProposals: c.IKEProposals,
		ESPProposals: c.ESPProposals,
		AllowLegacy:  c.AllowLegacy,
		DPDInterval:  c.DPDInterval,
		DPDRetry:     dpdRetry(c.DPDInterval),
		HalfOpenMax:  c.HalfOpenThreshold,
		LocalTS:      c.Authorizer.reachable(),
		// Our data plane carries ESP in UDP only (no raw ESP, protocol
		// 50, in userspace): fake a NAT so every client encapsulates, even
		// one with a public address that did not ask for it.
		ForceEncap: true,
		Redirect:   s.redirectHook,
		// IKE_SA_INIT redirects learn the client's REDIRECTED_FROM.
		RedirectInit: s.redirectInitHook,
		// ConfigProvider is the only place the engine lets policy refuse
		// a peer after it authenticated, so session caps are checked there.
		ConfigProvider: s.provideConfig,
		ConfigSet:      s.configSet,
		ConfigPush:     s.configPush,
		ChildSelectors: s.childSelectors,
		Logger:         s.log.With("component", "ike"),
	}
	if len(cr.Chain) == 0 && c.Keyring.size() == 0 {
		return nil, fmt.Errorf("%w: the server cannot authenticate itself: give it a [certificate] or [keyring] entries", ErrConfig)
	}
	if c.Keyring.size() > 0 {
		ec.PSKFor = s.pskFor
	}
	if c.Authorizer.hasEAPUsers() {
		ec.EAPServer = s.eapServer
	}
	return ec, nil
}

// dpdRetry spaces liveness retries evenly, a fifth of the interval (at
// least a second): a dead client is dropped about one interval after
// the first unanswered probe, instead of after the ~15 s of exponential
// retransmissions whatever the configured interval.
func dpdRetry(interval time.Duration) time.Duration {
	if interval <= 0 {
		return 0
	}
	return max(interval/5, time.Second)
}

func (k *Keyring) size() int {
	if k == nil {
		return 0
	}
	return len(k.exact) + len(k.wildcards) + len(k.addrs)
}

func (a *Authorizer) hasEAPUsers() bool {
	for _, u := range a.Users {
		if u.NTHash != nil || u.GTCHash != "" || u.MD5Password != nil {
			return true
		}
	}
	return false
}
