// Package eap implements the Extensible Authentication Protocol (RFC 3748)
// as IKEv2 carries it in IKE_AUTH (RFC 7296 section 2.16): a packet codec,
// a peer (the VPN client) and a local authenticator (the VPN server).
//
// Methods: Identity (1), Notification (2), Nak (3, legacy and expanded),
// MD5-Challenge (4, RFC 3748 section 5.4), Generic Token Card (6) and
// EAP-MS-CHAPv2 (26, RFC 2759 inside EAP per draft-kamath-pppext-eap-mschapv2).
// Only MS-CHAPv2 derives a Master Session Key (RFC 3079); with MD5 and GTC
// the IKE engine signs its AUTH payloads with SK_pi/SK_pr instead.
//
// Both roles are driven one message at a time, so the IKE engine can carry
// each EAP packet in its own IKE_AUTH round trip:
//
//	peer:          resp, err := p.Handle(ctx, req)   // until p.Done()
//	authenticator: req, _ := a.Start(ctx)
//	               req, st, err := a.Handle(ctx, resp) // until st != Continue
//
// The Peer asks for the password through a CredentialFunc only when a
// method needs it, and the engine calls Handle only after it verified the
// gateway's AUTH, so no password leaves the host for an unauthenticated
// gateway. EAP-MS-CHAPv2 additionally checks the gateway's authenticator
// response ("S=..."); a gateway that cannot prove knowledge of the password
// is rejected before EAP-Success is accepted.
//
// Authenticator is an interface so a RADIUS pass-through backend can replace
// the local one (NewLocalAuthenticator, backed by a UserStore). Limiter
// counts failures per identity and per source address and backs off
// exponentially to slow down password guessing; WithLimiter applies it to
// any Authenticator.
//
// Besides the RFC vectors and in-memory conversations, the tests run our
// authenticator against wpa_supplicant's eapol_test and our peer against
// FreeRADIUS (both over a loopback RADIUS shim) when those are installed;
// both compare the MS-CHAPv2 MSK with the MS-MPPE keys the other side
// derives.
package eap
