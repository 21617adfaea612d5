package server

import (
	"flexvpn/tunnel/ike"
	"flexvpn/tunnel/ike/wire"
)

// Proposals are written the way strongSwan users know them; the keyword
// parser is ike.ParseProposal, shared with the client's profiles.

// Modern defaults: AEAD first, CBC+HMAC-SHA2 for clients without GCM,
// elliptic-curve groups and MODP-2048; nothing legacy. The first IKE
// proposal adds ML-KEM-768 as ADDKE1 for clients that support RFC 9370
// (strongSwan 6, ours when configured): the responder walks the client's
// proposals, so a classic client never matches it and takes the next,
// and a client that predates RFC 9370 cannot even offer it.
var (
	DefaultIKEProposals = []string{
		"aes256gcm16-aes128gcm16-prfsha384-prfsha256-x25519-ecp384-ecp256-modp2048-ke1_mlkem768",
		"aes256gcm16-aes128gcm16-prfsha384-prfsha256-x25519-ecp384-ecp256-modp2048",
		"aes256-aes128-sha384-sha256-x25519-ecp384-ecp256-modp2048",
	}
	DefaultESPProposals = []string{
		"aes256gcm16-aes128gcm16-chacha20poly1305",
		"aes256-aes128-sha384-sha256",
	}
)

// ParseProposal parses one proposal for protocol ike or esp into the
// engine's proposal type. Legacy algorithms are rejected unless allowed.
func ParseProposal(s string, proto wire.ProtocolID, allowLegacy bool) (ike.Proposal, error) {
	return ike.ParseProposal(s, proto, allowLegacy)
}
