// Package server holds the policy core of the minimal FlexVPN-style
// headend that `flexvpn server` runs: the strict TOML configuration, the PSK
// keyring, the name mangler, user/group authorization with the seed's merge
// precedence, IPv4/IPv6 address pools, configuration-payload reply assembly,
// redirect target choice and the in-memory session registry.
//
// Everything here is pure policy or plain in-memory state: no sockets, no
// TUN, no IKE engine. The session glue (engine events → sessions, admin
// socket) calls these APIs:
//
//	cfg, err := server.Load("server.toml")            // strict, file:line errors
//	peer, ok := cfg.Keyring.Lookup(peerID, peerAddr)   // responder PSK choice
//	users := server.EAPUsers{Authorizer: cfg.Authorizer} // eap.UserStore for the EAP authenticator
//	authz, err := cfg.Authorize(server.AuthzRequest{Peer: peerID, EAPIdentity: eapID})
//	s, err := registry.Add(server.SessionInfo{...})    // caps per identity and in total
//	resp, err := cfg.RespondConfig(identity, authz, cp.Attributes, peer.VendorIDs)
//	    // = ParseCPRequest + Pools.Assign + BuildCPReply + AllowedSelectors;
//	    // err is a *wire.NotifyError (INTERNAL_ADDRESS_FAILURE) when it should be
//	gw, err := server.ChooseRedirect(server.RedirectInput{...})
//	...
//	cfg.Pools.Release(resp.Lease); registry.Remove(s.ID)
//
// Errors the IKE engine must turn into a Notify (for example an exhausted
// pool → INTERNAL_ADDRESS_FAILURE) map through NotifyFor.
package server
