package datapath

import (
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Local addresses on wildcard sockets. A server bound to 0.0.0.0:4500 on a
// host with several addresses must know which one a peer talked to: the
// IKE engine puts it in NAT detection hashes, and its replies must leave
// from it or the peer (and its NAT) will not match them. IP_PKTINFO and
// IPV6_RECVPKTINFO report the destination of each datagram; an
// IP_PKTINFO/IPV6_PKTINFO control message on send picks the source.

// pktinfoSpace fits one in6_pktinfo control message, the larger of the two.
var pktinfoSpace = unix.CmsgSpace(unix.SizeofInet6Pktinfo)

// enablePktinfo asks the kernel for each datagram's destination address.
func enablePktinfo(c *udpConn) error {
	rc, err := c.conn.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		if c.v6 {
			serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_RECVPKTINFO, 1)
		}
		// On an IPv6 socket this covers IPv4-mapped peers; it may fail on
		// an IPv6-only socket, which has none.
		if err := unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_PKTINFO, 1); err != nil && !c.v6 {
			serr = err
		}
	})
	if err != nil {
		return err
	}
	return serr
}

func (m *mmsgIO) localAddr(i int) (netip.Addr, bool) {
	if m.oob == nil || i >= len(m.hdrs) {
		return netip.Addr{}, false
	}
	n := min(int(m.hdrs[i].Hdr.Controllen), pktinfoSpace)
	return parsePktinfo(m.oob[i*pktinfoSpace : i*pktinfoSpace+n])
}

// parsePktinfo finds the destination address in received control
// messages. It copies headers into aligned structs instead of casting
// pointers into the buffer, so malformed input cannot misalign a read
// (x/sys's parser does cast, which checkptr rejects on short input).
func parsePktinfo(oob []byte) (netip.Addr, bool) {
	for len(oob) >= unix.SizeofCmsghdr {
		var h unix.Cmsghdr
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&h)), unix.SizeofCmsghdr), oob)
		n := int(h.Len)
		if n < unix.CmsgLen(0) || n > len(oob) {
			break
		}
		data := oob[unix.CmsgLen(0):n]
		switch {
		case h.Level == unix.IPPROTO_IP && h.Type == unix.IP_PKTINFO && len(data) >= unix.SizeofInet4Pktinfo:
			var info unix.Inet4Pktinfo
			copy(unsafe.Slice((*byte)(unsafe.Pointer(&info)), unix.SizeofInet4Pktinfo), data)
			return netip.AddrFrom4(info.Addr), true
		case h.Level == unix.IPPROTO_IPV6 && h.Type == unix.IPV6_PKTINFO && len(data) >= unix.SizeofInet6Pktinfo:
			var info unix.Inet6Pktinfo
			copy(unsafe.Slice((*byte)(unsafe.Pointer(&info)), unix.SizeofInet6Pktinfo), data)
			return netip.AddrFrom16(info.Addr).Unmap(), true
		}
		oob = oob[min(unix.CmsgSpace(n-unix.CmsgLen(0)), len(oob)):]
	}
	return netip.Addr{}, false
}

// sendFrom sends one datagram from src when the socket is a wildcard one;
// used for IKE, whose replies must come from the address the peer used.
func (c *udpConn) sendFrom(b []byte, src netip.Addr, dst netip.AddrPort) error {
	if !c.wildcard || !src.IsValid() || src.IsUnspecified() {
		return c.sendTo(b, dst)
	}
	var oob []byte
	if src.Unmap().Is4() {
		oob = unix.PktInfo4(&unix.Inet4Pktinfo{Spec_dst: src.Unmap().As4()})
	} else {
		oob = unix.PktInfo6(&unix.Inet6Pktinfo{Addr: src.As16()})
	}
	if c.v6 && dst.Addr().Is4() {
		dst = netip.AddrPortFrom(netip.AddrFrom16(dst.Addr().As16()), dst.Port())
	}
	_, _, err := c.conn.WriteMsgUDPAddrPort(b, oob, dst)
	return err
}
