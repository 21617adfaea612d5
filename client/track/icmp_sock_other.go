//go:build !linux && !darwin

package track

import (
	"errors"
	"net"
)

// openPingSocket: no unprivileged ICMP sockets here; the raw socket is
// the only way.
func openPingSocket(v6 bool) (net.PacketConn, error) {
	return nil, errors.ErrUnsupported
}
