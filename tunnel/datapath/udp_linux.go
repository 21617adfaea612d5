package datapath

import (
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mmsgIO batches datagrams with recvmmsg/sendmmsg. x/net's ipv4.ReadBatch
// allocates a net.UDPAddr per datagram; decoding the sockaddrs ourselves
// keeps the hot path allocation-free. The syscall closures are built once
// and communicate through fields for the same reason.
type mmsgIO struct {
	rc    syscall.RawConn
	v6    bool
	hdrs  []unix.Mmsghdr
	iovs  []unix.Iovec
	names []unix.RawSockaddrInet6 // large enough for either family
	oob   []byte                  // pktinfo per message, wildcard readers only

	c    *udpConn
	gso  gsoState
	segs []int // datagrams carried by each message (more than 1 with GSO)

	start, count int // messages [start:count] for the next syscall
	n            int
	errno        syscall.Errno
	recvFn       func(fd uintptr) bool
	sendFn       func(fd uintptr) bool
}

func (c *udpConn) newReader(batch int) (batchReader, error) { return c.newMmsgIO(batch) }
func (c *udpConn) newWriter(batch int) (batchWriter, error) { return c.newMmsgIO(batch) }

func (c *udpConn) newMmsgIO(batch int) (*mmsgIO, error) {
	rc, err := c.conn.SyscallConn()
	if err != nil {
		return nil, err
	}
	m := &mmsgIO{
		c:     c,
		gso:   newGSOState(batch),
		segs:  make([]int, batch),
		rc:    rc,
		v6:    c.v6,
		hdrs:  make([]unix.Mmsghdr, batch),
		iovs:  make([]unix.Iovec, batch),
		names: make([]unix.RawSockaddrInet6, batch),
	}
	if c.wildcard {
		m.oob = make([]byte, batch*pktinfoSpace)
	}
	for i := range m.hdrs {
		m.hdrs[i].Hdr.Iov = &m.iovs[i]
		m.hdrs[i].Hdr.SetIovlen(1)
		m.hdrs[i].Hdr.Name = (*byte)(unsafe.Pointer(&m.names[i]))
	}
	m.recvFn, m.sendFn = m.recv, m.send
	return m, nil
}

func (m *mmsgIO) recv(fd uintptr) bool {
	for {
		n, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&m.hdrs[0])),
			uintptr(m.count), unix.MSG_DONTWAIT, 0, 0)
		switch e {
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false // wait until readable
		}
		m.n, m.errno = int(n), e
		return true
	}
}

func (m *mmsgIO) send(fd uintptr) bool {
	for {
		n, _, e := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&m.hdrs[m.start])),
			uintptr(m.count-m.start), unix.MSG_DONTWAIT, 0, 0)
		switch e {
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false // socket buffer full: wait until writable
		}
		m.n, m.errno = int(n), e
		return true
	}
}

func (m *mmsgIO) setBuffers(bufs [][]byte) {
	for i, b := range bufs {
		m.iovs[i].Base = unsafe.SliceData(b)
		m.iovs[i].SetLen(len(b))
		m.hdrs[i].Hdr.Flags = 0
		m.hdrs[i].Len = 0
	}
}

func (m *mmsgIO) readBatch(bufs [][]byte, sizes []int, srcs []netip.AddrPort) (int, error) {
	count := min(len(bufs), len(m.hdrs))
	m.setBuffers(bufs[:count])
	for i := range count {
		m.hdrs[i].Hdr.Namelen = unix.SizeofSockaddrInet6
		if m.oob != nil {
			m.hdrs[i].Hdr.Control = &m.oob[i*pktinfoSpace]
			m.hdrs[i].Hdr.SetControllen(pktinfoSpace)
		}
	}
	m.count = count
	if err := m.rc.Read(m.recvFn); err != nil {
		return 0, err
	}
	if m.errno != 0 {
		return 0, m.errno
	}
	for i := range m.n {
		sizes[i] = int(m.hdrs[i].Len)
		if m.hdrs[i].Hdr.Flags&unix.MSG_TRUNC != 0 {
			sizes[i] = -1
		}
		srcs[i] = decodeSockaddr(&m.names[i])
	}
	return m.n, nil
}

func (m *mmsgIO) writeBatch(bufs [][]byte, flows []flow) (int, error) {
	msgs := m.plan(bufs, flows)
	failed := 0
	for m.start, m.count = 0, msgs; m.start < msgs; {
		if err := m.rc.Write(m.sendFn); err != nil {
			for _, n := range m.segs[m.start:msgs] {
				failed += n
			}
			return failed, err
		}
		if m.errno != 0 {
			// sendmmsg reports the first message's error only; skip it.
			failed += m.recover(m.start)
			m.start++
			continue
		}
		m.start += m.n
	}
	return failed, nil
}

// decodeSockaddr reads a kernel-filled sockaddr_in or sockaddr_in6.
func decodeSockaddr(sa *unix.RawSockaddrInet6) netip.AddrPort {
	switch sa.Family {
	case unix.AF_INET:
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), networkPort(&sa4.Port))
	case unix.AF_INET6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), networkPort(&sa.Port))
	}
	return netip.AddrPort{}
}

// encodeSockaddr fills sa for dst in the socket's family and returns its length.
func encodeSockaddr(sa *unix.RawSockaddrInet6, dst netip.AddrPort, v6 bool) uint32 {
	if !v6 {
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		if !dst.Addr().Unmap().Is4() {
			// An IPv6 peer on an IPv4 socket: make the kernel refuse it
			// (EAFNOSUPPORT) rather than send to a made-up address.
			sa4.Family = unix.AF_UNSPEC
			return unix.SizeofSockaddrInet4
		}
		sa4.Family = unix.AF_INET
		putNetworkPort(&sa4.Port, dst.Port())
		sa4.Addr = dst.Addr().Unmap().As4()
		return unix.SizeofSockaddrInet4
	}
	sa.Family = unix.AF_INET6
	putNetworkPort(&sa.Port, dst.Port())
	sa.Addr = dst.Addr().As16() // IPv4 becomes v4-mapped
	sa.Flowinfo, sa.Scope_id = 0, 0
	return unix.SizeofSockaddrInet6
}

// The sockaddr port field holds network byte order whatever the host's.
func networkPort(p *uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(p))
	return uint16(b[0])<<8 | uint16(b[1])
}

func putNetworkPort(p *uint16, port uint16) {
	b := (*[2]byte)(unsafe.Pointer(p))
	b[0], b[1] = byte(port>>8), byte(port)
}
