package track

import (
	"context"
	"net"
)

// TCPProbe succeeds when a TCP connection to Addr (host:port) opens
// within the probe's timeout; the connection is closed at once.
type TCPProbe struct {
	Addr string
}

// Probe dials Addr.
func (p *TCPProbe) Probe(ctx context.Context) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", p.Addr)
	if err != nil {
		return err
	}
	return c.Close()
}
