package server

import (
	"net/netip"

	"flexvpn/tunnel/ike"
	"flexvpn/tunnel/ike/wire"
)

// LoadSource reports the peers' latest loads by gateway name and our own
// session count. The Server feeds it from its LoadReporter; static policy
// needs none (nil is allowed).
type LoadSource func() (peers map[string]GatewayLoad, own int)

// RedirectHook returns the ike.Config.Redirect hook for new clients:
// nil when [redirect] on is off, else a function that answers in the
// configured exchange ("init": IKE_SA_INIT, where the engine passes a nil
// peer; "auth": IKE_AUTH, once the peer is authenticated) with the target
// ChooseRedirect picks. self lists our own addresses. With RedirectInitHook
// set as well the engine no longer asks this one in IKE_SA_INIT.
func (c *Config) RedirectHook(self []netip.Addr, loads LoadSource) func(netip.AddrPort, *ike.PeerInfo) (wire.GatewayID, bool) {
	if c.RedirectOn == "" || len(c.RedirectTargets) == 0 {
		return nil
	}
	return func(_ netip.AddrPort, peer *ike.PeerInfo) (wire.GatewayID, bool) {
		if (c.RedirectOn == "init") != (peer == nil) {
			return wire.GatewayID{}, false
		}
		var from *wire.GatewayID
		if peer != nil {
			from = peer.RedirectedFrom
		}
		return c.chooseRedirect(self, loads, from)
	}
}

// RedirectInitHook returns the ike.Config.RedirectInit hook: nil unless
// [redirect] on is "init", else a function that picks with ChooseRedirect,
// skipping the gateway the client names in REDIRECTED_FROM.
func (c *Config) RedirectInitHook(self []netip.Addr, loads LoadSource) func(netip.AddrPort, *wire.GatewayID) (wire.GatewayID, bool) {
	if c.RedirectOn != "init" || len(c.RedirectTargets) == 0 {
		return nil
	}
	return func(_ netip.AddrPort, from *wire.GatewayID) (wire.GatewayID, bool) {
		return c.chooseRedirect(self, loads, from)
	}
}

// chooseRedirect asks the configured policy; from, when known, is the
// gateway that sent the client here, which the policy avoids.
func (c *Config) chooseRedirect(self []netip.Addr, loads LoadSource, from *wire.GatewayID) (wire.GatewayID, bool) {
	in := RedirectInput{Policy: c.RedirectPolicy, Gateways: c.RedirectTargets, Self: self}
	if from != nil {
		in.From = *from
	}
	if loads != nil {
		in.Loads, in.OwnSessions = loads()
	}
	g, err := ChooseRedirect(in)
	return g.ID, err == nil
}
