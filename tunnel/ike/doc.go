// Package ike is the IKEv2 SA engine (RFC 7296) shared by the flexvpn client
// and server: one engine, two roles.
//
// An Endpoint owns one Transport (UDP 500/4500, or an in-memory Pipe in
// tests), demultiplexes inbound datagrams by IKE SPI and runs each IKE SA as
// an actor: a single goroutine owns all of the SA's protocol state, so no
// locks guard it. Within an SA a task manager owns message IDs, the window,
// retransmissions and the cached responses; the exchanges themselves are
// tasks, one per file (ike_init.go, ike_auth.go, ike_config.go,
// child_create.go, ike_dpd.go, ike_delete.go, ...), each building and
// processing the messages of one exchange for the initiator and the
// responder.
//
// Post-quantum hybrids (RFC 9370): a Proposal's AddKE lists add up to
// seven key exchanges, typically ML-KEM after X25519, each run in its own
// IKE_INTERMEDIATE exchange (RFC 9242, ike_intermediate.go) between
// IKE_SA_INIT and IKE_AUTH, with AUTH covering them, and again in
// IKE_FOLLOWUP_KE when the IKE SA is rekeyed (ike_followup.go). They are
// negotiated only with peers that announce INTERMEDIATE_EXCHANGE_SUPPORTED;
// older peers skip such proposals. ParseProposal reads strongSwan-style strings
// such as "aes256gcm16-prfsha384-x25519-ke1_mlkem768".
//
// The outside world learns what happens through Events: state changes, the
// keys of new, rekeyed and deleted Child SAs (for the data plane), the CP
// reply and peer identity when the SA is up, redirects and errors carrying a
// sentence for the user. Key material is never logged.
package ike
