// Package ctlsock is the daemon's local control socket: a Unix socket that
// only root and members of one allowed group may use. The permission bits
// keep others from connecting, and every accepted connection is checked
// again with the kernel's peer credentials, so a socket file with loosened
// permissions (or one inherited through a bind mount) still refuses them.
package ctlsock

import (
	"errors"
	"net"
	"slices"
)

// Policy says who may use the socket.
type Policy struct {
	// GID is the group allowed besides root; -1 allows root only.
	GID int
}

// Peer is the identity of a connected client.
type Peer struct {
	UID, GID, PID int
	// Groups are the peer's supplementary groups, where the OS tells
	// them: `usermod -aG flexvpn alice` makes the group one of these, not
	// alice's primary group.
	Groups []int
}

// ErrDenied is returned for a peer the policy does not allow.
var ErrDenied = errors.New("control socket: permission denied (run as root or as a member of the flexvpn group)")

// Allowed reports whether the policy admits p.
func (pol Policy) Allowed(p Peer) bool {
	return p.UID == 0 || (pol.GID >= 0 && (p.GID == pol.GID || slices.Contains(p.Groups, pol.GID)))
}

// Listener accepts only allowed peers; others are closed and counted.
type Listener struct {
	net.Listener
	policy Policy
	peer   func(net.Conn) (Peer, error)
	// Denied is called for each refused peer (for logging); may be nil.
	Denied func(Peer, error)
}

// Accept returns the next connection from an allowed peer.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		p, err := l.peer(c)
		if err == nil && l.policy.Allowed(p) {
			return c, nil
		}
		if err == nil {
			err = ErrDenied
		}
		if l.Denied != nil {
			l.Denied(p, err)
		}
		c.Close()
	}
}
