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
// ChooseRedirect picks. self lists our own addresses.
func (c *Config) RedirectHook(self []netip.Addr, loads LoadSource) func(netip.AddrPort, *ike.PeerInfo) (wire.GatewayID, bool) {
	if c.RedirectOn == "" || len(c.RedirectTargets) == 0 {
		return nil
	}
	return func(_ netip.AddrPort, peer *ike.PeerInfo) (wire.GatewayID, bool) {
		if (c.RedirectOn == "init") != (peer == nil) {
			return wire.GatewayID{}, false
		}
		in := RedirectInput{Policy: c.RedirectPolicy, Gateways: c.RedirectTargets, Self: self}
		if peer != nil && peer.RedirectedFrom != nil {
			// In IKE_SA_INIT the engine knows no more than the address;
			// it refuses on its own to send a peer back where it came from.
			in.From = *peer.RedirectedFrom
		}
		if loads != nil {
			in.Loads, in.OwnSessions = loads()
		}
		g, err := ChooseRedirect(in)
		return g.ID, err == nil
	}
}
