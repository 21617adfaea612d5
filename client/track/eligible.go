package track

import "flexvpn/client/profile"

// Eligible reports whether a peer tied to track (its profile
// peer.track: "OBJECT", "OBJECT up" or "OBJECT down") may be used now.
// A peer without an object always may; one whose object is unknown, not
// defined, or in the other state may not. client.ConnConfig.Eligible is
// a func(client.Peer) bool; wire it as
//
//	Eligible: func(p client.Peer) bool { return tr.Eligible(p.Track) }
//
// (this package does not import client, so client may import it).
func (t *Tracker) Eligible(track string) bool {
	if track == "" {
		return true
	}
	return t.Want(track)
}

// Want reports whether a condition ("OBJECT up" or "OBJECT down"; a bare
// "OBJECT" means up) is met now. A malformed condition or an object the
// tracker lacks is never met.
func (t *Tracker) Want(cond string) bool {
	c, err := ParseCondition(cond)
	if err != nil {
		return false
	}
	return t.Met(c)
}

// Met reports whether a parsed condition is met now.
func (t *Tracker) Met(c Condition) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	m, ok := t.objects[c.Object]
	return ok && c.Met(m.st.State)
}

// TunnelWanted reports whether a connect = "track" profile's tunnel should
// be up now: its track condition is met. For other connect modes the
// tracker has no say and it returns false.
func (t *Tracker) TunnelWanted(p *profile.Profile) bool {
	return p.Connect == profile.ConnectTrack && t.Want(p.Track)
}
