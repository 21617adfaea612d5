package client

import (
	"slices"
	"strings"
)

// Peer is one gateway the client may connect to.
type Peer struct {
	// Seq orders static peers: lower is preferred (IOS "peer N").
	Seq int
	// Host is an IPv4/IPv6 address or an FQDN resolved at each attempt.
	Host string
	// Track names the object that makes this peer eligible ("" = always).
	Track string
	// Port and NATTPort are the gateway's IKE and NAT-T ports (0: 500
	// and 4500), for a gateway behind a port forward.
	Port, NATTPort uint16
	// Downloaded marks a peer from a gateway's UNITY_BACKUP_SERVERS list.
	Downloaded bool
}

// Eligibility tells whether a peer may be used now: its track object is in
// the wanted state and no other client of the backup group holds it.
type Eligibility func(p Peer) bool

// GatewayList is the seed's gateway selection policy, as a pure value:
//
//   - static peers in Seq order, the lowest first;
//   - a backup list pushed by a gateway is inserted right after the peer
//     that sent it;
//   - a failure moves to the next eligible entry: through the downloaded
//     peers in order, then to the next static peer, and once the client has
//     moved past them the downloaded list is dropped;
//   - connecting to a peer that is not in the downloaded list replaces the
//     downloaded list with that peer's own list (possibly empty).
//
// It is not safe for concurrent use; the connection state machine owns it.
type GatewayList struct {
	static     []Peer
	downloaded []Peer
	anchor     int // index into static after which downloaded peers sit
	pos        int // index into order() of the current peer
}

// NewGatewayList returns a list over the static peers, positioned before
// the first one.
func NewGatewayList(static []Peer) *GatewayList {
	s := slices.Clone(static)
	slices.SortStableFunc(s, func(a, b Peer) int { return a.Seq - b.Seq })
	return &GatewayList{static: s, pos: -1}
}

// order is the full candidate sequence with the downloaded list spliced in.
func (g *GatewayList) order() []Peer {
	if len(g.downloaded) == 0 {
		return g.static
	}
	out := make([]Peer, 0, len(g.static)+len(g.downloaded))
	out = append(out, g.static[:g.anchor+1]...)
	out = append(out, g.downloaded...)
	return append(out, g.static[g.anchor+1:]...)
}

// Current returns the peer the client is on, if any.
func (g *GatewayList) Current() (Peer, bool) {
	o := g.order()
	if g.pos < 0 || g.pos >= len(o) {
		return Peer{}, false
	}
	return o[g.pos], true
}

// Next moves to the next eligible peer after the current one, wrapping
// around to the start. wrapped reports that the whole list was tried (the
// caller backs off before the next round). ok is false when no peer is
// eligible at all.
func (g *GatewayList) Next(eligible Eligibility) (p Peer, wrapped, ok bool) {
	o := g.order()
	for step := 1; step <= len(o); step++ {
		i := g.pos + step
		if i >= len(o) {
			wrapped = true
		}
		i %= len(o)
		if eligible == nil || eligible(o[i]) {
			g.moveTo(i)
			p, _ := g.Current()
			return p, wrapped, true
		}
	}
	return Peer{}, wrapped, false
}

// moveTo sets the position, dropping the downloaded list once the client
// has moved onto a static peer that is not the anchor it belongs to.
func (g *GatewayList) moveTo(i int) {
	o := g.order()
	target := o[i]
	g.pos = i
	if len(g.downloaded) == 0 || target.Downloaded {
		return
	}
	if idx := g.staticIndex(target); idx != g.anchor {
		g.downloaded = nil
		g.pos = idx
	}
}

func (g *GatewayList) staticIndex(p Peer) int {
	for i, s := range g.static {
		if s == p {
			return i
		}
	}
	return -1
}

// Connected records a successful connection to the current peer with the
// backup list it pushed (hosts from UNITY_BACKUP_SERVERS).
func (g *GatewayList) Connected(backups []string) {
	cur, ok := g.Current()
	if !ok || cur.Downloaded {
		// Connected through a downloaded peer: the list that led here stays.
		return
	}
	idx := g.staticIndex(cur)
	g.downloaded = nil
	for _, h := range backups {
		h = strings.TrimSpace(h)
		if h == "" || strings.EqualFold(h, cur.Host) {
			continue
		}
		g.downloaded = append(g.downloaded, Peer{Seq: cur.Seq, Host: h, Downloaded: true})
	}
	g.anchor = idx
	g.pos = idx
}

// Preferred returns the most preferred eligible static peer when it comes
// before the current one: the seed's "peer reactivate" asks the client to
// drop the current connection and move there.
func (g *GatewayList) Preferred(eligible Eligibility) (Peer, bool) {
	for i, p := range g.order() {
		if g.pos >= 0 && i >= g.pos {
			return Peer{}, false
		}
		if !p.Downloaded && (eligible == nil || eligible(p)) {
			return p, true
		}
	}
	return Peer{}, false
}

// MoveTo positions the list on p (a static peer), for reactivation.
func (g *GatewayList) MoveTo(p Peer) bool {
	idx := g.staticIndex(p)
	if idx < 0 {
		return false
	}
	o := g.order()
	for i := range o {
		if o[i] == p {
			g.moveTo(i)
			return true
		}
	}
	return false
}

// Rewind positions the list just before p so that the next call to Next
// returns p again (if still eligible).
func (g *GatewayList) Rewind(p Peer) {
	for i, q := range g.order() {
		if q == p {
			g.pos = i - 1
			return
		}
	}
}
