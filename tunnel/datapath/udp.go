package datapath

import (
	"fmt"
	"net"
	"net/netip"
)

// socketBuffer is the SO_RCVBUF/SO_SNDBUF asked for: a burst of a full TUN
// batch must not overflow the default ~200 KiB. The kernel caps it at
// net.core.rmem_max/wmem_max.
const socketBuffer = 4 << 20

// udpConn is one bound UDP socket.
type udpConn struct {
	conn  *net.UDPConn
	local netip.AddrPort
	v6    bool
	// wildcard: bound to an unspecified address. Where the OS can tell,
	// datagrams then carry their real destination address (pktinfo).
	wildcard bool
}

// batchReader receives up to len(bufs) datagrams; sizes[i] < 0 marks a
// truncated one. Each goroutine owns its own reader.
type batchReader interface {
	readBatch(bufs [][]byte, sizes []int, srcs []netip.AddrPort) (int, error)
	// localAddr is the address datagram i of the last batch was sent to,
	// when the socket is a wildcard one and the OS reported it.
	localAddr(i int) (netip.Addr, bool)
}

// batchWriter sends bufs[i] along flows[i]; it returns how many datagrams
// the socket refused, and an error only when the socket is unusable.
type batchWriter interface {
	writeBatch(bufs [][]byte, flows []flow) (failed int, err error)
}

// flow is where a datagram goes, which NAT-T socket it leaves from
// (an index into Device.natt) and, on a wildcard socket, the local address
// it leaves from (invalid: the kernel's choice).
type flow struct {
	src  netip.Addr
	dst  netip.AddrPort
	sock int
}

// listenUDP binds addr. An unspecified address binds every interface; on
// Linux each datagram's destination address is then learnt from pktinfo,
// elsewhere the unspecified address is reported (see Config.ListenNATT).
func listenUDP(addr netip.AddrPort) (*udpConn, error) {
	network := "udp4"
	if addr.Addr().Is6() {
		network = "udp6"
	}
	conn, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(addr))
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	// Best effort: without it bursts are dropped, but traffic still flows.
	_ = conn.SetReadBuffer(socketBuffer)
	_ = conn.SetWriteBuffer(socketBuffer)
	local := conn.LocalAddr().(*net.UDPAddr).AddrPort()
	c := &udpConn{
		conn:     conn,
		local:    netip.AddrPortFrom(local.Addr().Unmap(), local.Port()),
		v6:       addr.Addr().Is6(),
		wildcard: addr.Addr().IsUnspecified(),
	}
	if c.wildcard {
		c.wildcard = enablePktinfo(c) == nil
	}
	return c, nil
}

// sendTo writes one datagram; used off the hot path (IKE, keepalives).
func (c *udpConn) sendTo(b []byte, dst netip.AddrPort) error {
	if c.v6 && dst.Addr().Is4() {
		dst = netip.AddrPortFrom(netip.AddrFrom16(dst.Addr().As16()), dst.Port())
	}
	_, err := c.conn.WriteToUDPAddrPort(b, dst)
	return err
}

// singleIO is the portable batchReader/batchWriter: one syscall per datagram.
type singleIO struct{ c *udpConn }

func (s singleIO) readBatch(bufs [][]byte, sizes []int, srcs []netip.AddrPort) (int, error) {
	n, src, err := s.c.conn.ReadFromUDPAddrPort(bufs[0])
	if err != nil {
		return 0, err
	}
	sizes[0], srcs[0] = n, netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
	return 1, nil
}

func (singleIO) localAddr(int) (netip.Addr, bool) { return netip.Addr{}, false }

func (s singleIO) writeBatch(bufs [][]byte, flows []flow) (int, error) {
	failed := 0
	for i, b := range bufs {
		if err := s.c.sendFrom(b, flows[i].src, flows[i].dst); err != nil {
			if isClosed(err) {
				return failed + len(bufs) - i, err
			}
			failed++
		}
	}
	return failed, nil
}
