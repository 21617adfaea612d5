package client

import (
	"strings"

	"flexvpn/tunnel/ike"
	"flexvpn/tunnel/ike/wire"
)

// KeyExchanging is a Session that reports how its IKE SA's keys were
// agreed; the TunnelDialer's sessions do. The daemon shows it in
// `flexvpn status` so that a user can see a post-quantum hybrid is in use.
type KeyExchanging interface {
	// KeyExchange is e.g. "x25519 + ML-KEM-768" (hybrid, RFC 9370) or
	// "ecp256" (classic); "" before the IKE SA is up.
	KeyExchange() string
}

// KeyExchange implements KeyExchanging.
func (s *tunnelSession) KeyExchange() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kex
}

// keyExchangeName describes a main group and the additional key
// exchanges (in ADDKE order), e.g. "x25519 + ML-KEM-768"; a zero main
// group (unknown) is left out.
func keyExchangeName(main uint16, additional []uint16) string {
	var parts []string
	if main != 0 {
		parts = append(parts, kexName(main))
	}
	for _, id := range additional {
		if id != wire.KE_NONE {
			parts = append(parts, kexName(id))
		}
	}
	return strings.Join(parts, " + ")
}

// kexNames are the profile's proposal keywords for classic groups, and
// the standard names of the post-quantum KEMs users look for.
var kexNames = map[uint16]string{
	wire.KE_CURVE25519: "x25519", wire.KE_ECP256: "ecp256", wire.KE_ECP384: "ecp384", wire.KE_ECP521: "ecp521",
	wire.KE_MODP1024: "modp1024", wire.KE_MODP1536: "modp1536", wire.KE_MODP2048: "modp2048",
	wire.KE_MODP3072: "modp3072", wire.KE_MODP4096: "modp4096",
	wire.KE_MLKEM512: "ML-KEM-512", wire.KE_MLKEM768: "ML-KEM-768", wire.KE_MLKEM1024: "ML-KEM-1024",
}

func kexName(id uint16) string {
	if n, ok := kexNames[id]; ok {
		return n
	}
	return wire.TransformName(wire.TransformKE, id)
}

// noteKeysLocked describes the key exchange of an IKE SA that came up or
// was rekeyed (a rekey may change both the group and, with
// IKE_FOLLOWUP_KE, the additional ones). It runs on the SA's goroutine
// (an event), where reading the SA does not wait.
func (s *tunnelSession) noteKeysLocked(ev ike.Event) {
	if ev.SA == nil {
		return
	}
	s.kex = keyExchangeName(ev.SA.KeyExchange(), ev.SA.AdditionalKeyExchanges())
}
