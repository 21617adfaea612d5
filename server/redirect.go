package server

import (
	"fmt"
	"net/netip"
	"strings"

	"flexvpn/tunnel/ike/wire"
)

// RedirectPolicy chooses among the configured redirect gateways.
type RedirectPolicy uint8

// Redirect policies.
const (
	// RedirectStatic sends clients to the first eligible gateway in
	// configuration order.
	RedirectStatic RedirectPolicy = iota + 1
	// RedirectLeastSessions sends clients to the eligible gateway that
	// reports the fewest sessions, and only if it has fewer than we do.
	RedirectLeastSessions
)

// ParseRedirectPolicy parses "static" or "least-sessions".
func ParseRedirectPolicy(s string) (RedirectPolicy, error) {
	switch s {
	case "static":
		return RedirectStatic, nil
	case "least-sessions":
		return RedirectLeastSessions, nil
	}
	return 0, fmt.Errorf("%w: redirect policy %q: write \"static\" or \"least-sessions\"", ErrConfig, s)
}

func (p RedirectPolicy) String() string {
	switch p {
	case RedirectStatic:
		return "static"
	case RedirectLeastSessions:
		return "least-sessions"
	}
	return fmt.Sprintf("RedirectPolicy(%d)", uint8(p))
}

// RedirectGateway is a gateway clients may be sent to. ID is what goes in
// the REDIRECT notify; Addrs are the addresses it is known by (its ID's
// address, or what its FQDN resolves to), used to recognise it in
// REDIRECTED_FROM and among our own addresses.
type RedirectGateway struct {
	Name  string
	ID    wire.GatewayID
	Addrs []netip.Addr
}

// GatewayLoad is the latest load a peer gateway reported.
type GatewayLoad struct {
	Sessions int
	Capacity int // 0 = no limit reported
}

// RedirectInput is everything the choice depends on.
type RedirectInput struct {
	Policy   RedirectPolicy
	Gateways []RedirectGateway // in configuration (preference) order
	Self     []netip.Addr      // our own addresses: never redirect to ourselves
	// From is the REDIRECTED_FROM gateway of this client, if any: never
	// send a client back where it came from.
	From wire.GatewayID
	// Loads are the peers' reported loads by gateway name; a peer with no
	// report is not a least-sessions candidate.
	Loads       map[string]GatewayLoad
	OwnSessions int
}

// ChooseRedirect picks the gateway to redirect a client to, or returns
// ErrNoRedirectTarget when the client should stay.
func ChooseRedirect(in RedirectInput) (RedirectGateway, error) {
	best := -1
	for i, g := range in.Gateways {
		if !in.eligible(g) {
			continue
		}
		if in.Policy == RedirectStatic {
			return g, nil
		}
		if in.better(g, best) {
			best = i
		}
	}
	if best < 0 {
		return RedirectGateway{}, ErrNoRedirectTarget
	}
	g := in.Gateways[best]
	if in.Loads[g.Name].Sessions >= in.OwnSessions {
		return RedirectGateway{}, fmt.Errorf("%w: %s has %d sessions, we have %d",
			ErrNoRedirectTarget, g.Name, in.Loads[g.Name].Sessions, in.OwnSessions)
	}
	return g, nil
}

// better reports whether g is a least-sessions candidate that beats the
// current best (ties keep configuration order).
func (in *RedirectInput) better(g RedirectGateway, best int) bool {
	load, ok := in.Loads[g.Name]
	if !ok || (load.Capacity > 0 && load.Sessions >= load.Capacity) {
		return false
	}
	return best < 0 || load.Sessions < in.Loads[in.Gateways[best].Name].Sessions
}

// eligible rules out ourselves and the gateway the client came from.
func (in *RedirectInput) eligible(g RedirectGateway) bool {
	for _, a := range g.addrs() {
		for _, s := range in.Self {
			if a == s.Unmap() {
				return false
			}
		}
		if in.From.Addr.IsValid() && a == in.From.Addr.Unmap() {
			return false
		}
	}
	return in.From.FQDN == "" || !strings.EqualFold(in.From.FQDN, g.ID.FQDN)
}

func (g RedirectGateway) addrs() []netip.Addr {
	out := make([]netip.Addr, 0, len(g.Addrs)+1)
	if g.ID.Addr.IsValid() {
		out = append(out, g.ID.Addr.Unmap())
	}
	for _, a := range g.Addrs {
		out = append(out, a.Unmap())
	}
	return out
}
