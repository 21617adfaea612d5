//go:build !linux

package datapath

import (
	"errors"
	"net/netip"
)

func (c *udpConn) newReader(int) (batchReader, error) { return singleIO{c}, nil }
func (c *udpConn) newWriter(int) (batchWriter, error) { return singleIO{c}, nil }

// enablePktinfo is not implemented here: wildcard sockets report the
// unspecified address as local.
func enablePktinfo(*udpConn) error { return errors.ErrUnsupported }

// sendFrom cannot pick the source address here; the kernel does.
func (c *udpConn) sendFrom(b []byte, _ netip.Addr, dst netip.AddrPort) error {
	return c.sendTo(b, dst)
}
