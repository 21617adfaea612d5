package gui

import (
	"net/netip"
	"slices"
	"time"

	"flexvpn/client/ctl"
)

// Profile is one of the daemon's profiles as the views show it.
type Profile struct {
	Name string
	// Connect is the profile's connect mode (auto, manual, track).
	Connect string
	State   State
	// Gateway is the gateway of the current or last attempt.
	Gateway string
	// Addrs are the inner addresses the gateway assigned.
	Addrs        []netip.Prefix
	DefaultRoute bool
	// Since is when the profile entered its state.
	Since                 time.Time
	BytesIn, BytesOut     uint64
	PacketsIn, PacketsOut uint64
	// LastError is the daemon's most recent failure, kept after recovery.
	LastError string
	// KeyExchange is how the current session's keys were agreed
	// ("x25519 + ML-KEM-768"), while connected.
	KeyExchange string
	// Track is the state of each tracked object, in profile order.
	Track []ctl.TrackObject
	// Banner is the gateway's banner of the current connection until the
	// user dismisses it (DismissBanner): it is shown once per connection.
	Banner string
	// ActionError is what went wrong with the user's last click on this
	// profile (up or down refused), until the next click.
	ActionError string
}

// memory is what the model remembers of a profile between two status
// snapshots.
type memory struct {
	wasUp bool
	// session identifies the connection whose banner was last offered
	// (its connected-since time); the banner of a session is offered once.
	session time.Time
	banner  string
	action  string
}

// profileFrom builds the view of s, updating mem; bannerOf reads the
// gateway's banner from the status.
func profileFrom(s ctl.Status, mem *memory, bannerOf func(ctl.Status) string) Profile {
	switch s.State {
	case "connected":
		mem.wasUp = true
	case "idle", "failed":
		mem.wasUp = false
	}
	p := Profile{
		Name: s.Profile, Connect: s.Connect, State: mapState(s.State, mem.wasUp),
		Gateway: s.Gateway, Addrs: slices.Clone(s.Addrs), DefaultRoute: s.DefaultRoute, Since: s.Since,
		BytesIn: s.BytesIn, BytesOut: s.BytesOut, PacketsIn: s.PacketsIn, PacketsOut: s.PacketsOut,
		LastError: s.LastError, KeyExchange: s.KeyExchange, Track: slices.Clone(s.Track),
		ActionError: mem.action,
	}
	if p.State == StateConnected && !s.Since.Equal(mem.session) {
		mem.session = s.Since
		mem.banner = bannerOf(s)
	}
	if p.State != StateConnected {
		mem.banner = ""
	}
	p.Banner = mem.banner
	return p
}
