// Package server is the minimal FlexVPN-style headend that `flexvpn
// server` runs: the policy core (strict TOML configuration, PSK keyring,
// name mangler, user/group authorization with the seed's merge
// precedence, IPv4/IPv6 address pools, configuration-payload reply
// assembly, redirect target choice, session registry) and the runtime
// that ties it to the IKE engine and the data plane.
//
// The policy core is pure or plain in-memory state and is tested with
// tables:
//
//	cfg, err := server.Load("server.toml")            // strict, file:line errors
//	peer, ok := cfg.Keyring.Lookup(peerID, peerAddr)   // responder PSK choice
//	users := server.EAPUsers{Authorizer: cfg.Authorizer} // eap.UserStore for the EAP authenticator
//	authz, err := cfg.Authorize(server.AuthzRequest{Peer: peerID, EAPIdentity: eapID})
//	s, err := registry.Add(server.SessionInfo{...})    // caps per identity and in total
//	resp, err := cfg.RespondConfig(identity, authz, cp.Attributes, peer.VendorIDs)
//	gw, err := server.ChooseRedirect(server.RedirectInput{...})
//
// Gateways of one cluster tell each other their load for least-sessions
// with UDP reports each signs with its own Ed25519 key (loadreport*.go):
// a LoadReporter sends ours and keeps the peers' fresh ones that the
// public key configured for their id verifies, ordered by the sender's
// boot epoch and a sequence rather than by clocks. The Server starts one
// when [redirect] has a load_key_file (srv.PeerLoads shows what it heard,
// srv.LoadReportStats what it dropped and why); `flexvpn server load-key`
// makes the keys.
//
// The runtime (run*.go, engine.go, admin.go) is a Server:
//
//	srv, err := server.New(cfg, server.Options{Logger: log}) // TUN, UDP 500/4500, responder
//	go srv.ServeAdmin(ln)                                     // JSON lines on platform/ctlsock
//	srv.Sessions(); srv.Disconnect(ctx, "alice"); srv.Redirect("3", "192.0.2.2")
//	srv.Reload(ctx, next)                                     // keeps sessions (Pools.Adopt)
//	srv.Close()                                               // Delete to every peer, routes, TUN
//
// and AdminCall is the client side of the admin socket. Where the engine
// takes one value per Endpoint, engine.go approximates: for peers that
// send no configuration payload our traffic selectors are the union of
// what any user may reach and their side is clamped before the Link
// routes a Child SA (run_sessions.go). Sessions with configuration get
// their own selectors (Config.ChildSelectors), and pre-shared keys are
// looked up per peer in the keyring (Config.PSKFor).
//
// Errors the IKE engine must turn into a Notify (for example an exhausted
// pool → INTERNAL_ADDRESS_FAILURE) map through NotifyFor.
package server
