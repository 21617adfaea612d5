package datapath

import (
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// UDP generic segmentation offload (Linux 4.18+): consecutive sealed
// datagrams to the same peer are appended into one buffer and sent as a
// single message with a UDP_SEGMENT control message; the kernel (or the
// NIC) cuts it back into datagrams of segment size. One trip through the
// stack per train instead of per datagram is most of the send-side cost.
// Peers see ordinary datagrams.

const (
	// maxGSOSegments stays within UDP_MAX_SEGMENTS of older kernels.
	maxGSOSegments = 64
	// maxGSOBytes keeps the whole train within one IP packet's 64 KiB.
	maxGSOBytes = 65535 - ipv6HeaderLen - udpHeaderLen
)

type gsoState struct {
	enabled bool
	oob     []byte // control message room per message
	space   int
	sizes   []int  // segment size of each message
	flows   []flow // flow of each message
}

func newGSOState(batch int) gsoState {
	space := unix.CmsgSpace(2) + pktinfoSpace
	return gsoState{enabled: true, oob: make([]byte, batch*space), space: space,
		sizes: make([]int, batch), flows: make([]flow, batch)}
}

// plan lays bufs out as messages in m.hdrs, coalescing runs of datagrams to
// the same destination when GSO is on, and returns the message count. A
// run's datagrams all have the first one's size except possibly the last,
// which may be shorter, as UDP_SEGMENT requires.
func (m *mmsgIO) plan(bufs [][]byte, flows []flow) int {
	n := 0
	for i := 0; i < len(bufs) && n < len(m.hdrs); n++ {
		msg, size, j := bufs[i], len(bufs[i]), i+1
		for m.gso.enabled && j < len(bufs) && m.joins(msg, size, j-i, bufs[j], flows[j] == flows[i]) {
			msg = append(msg, bufs[j]...)
			j++
			if len(bufs[j-1]) < size {
				break
			}
		}
		m.setMessage(n, msg, flows[i], size, j-i)
		i = j
	}
	return n
}

// joins reports whether next may be appended to the run msg.
func (m *mmsgIO) joins(msg []byte, size, count int, next []byte, sameFlow bool) bool {
	total := len(msg) + len(next)
	return sameFlow && count < maxGSOSegments && len(next) <= size &&
		total <= maxGSOBytes && total <= cap(msg)
}

// setMessage fills message k: a run of several datagrams gets the
// UDP_SEGMENT control message with the segment size, a flow with a chosen
// source on a wildcard socket a pktinfo control message.
func (m *mmsgIO) setMessage(k int, msg []byte, f flow, size, count int) {
	m.iovs[k].Base = unsafe.SliceData(msg)
	m.iovs[k].SetLen(len(msg))
	h := &m.hdrs[k].Hdr
	h.Namelen = encodeSockaddr(&m.names[k], f.dst, m.v6)
	h.Flags, m.hdrs[k].Len = 0, 0
	m.segs[k], m.gso.sizes[k], m.gso.flows[k] = count, size, f
	oob := m.gso.oob[k*m.gso.space : (k+1)*m.gso.space]
	n := 0
	if count > 1 {
		var v [2]byte
		*(*uint16)(unsafe.Pointer(&v[0])) = uint16(size) // host byte order
		n += putCmsg(oob[n:], unix.SOL_UDP, unix.UDP_SEGMENT, v[:])
	}
	if m.c.wildcard && f.src.IsValid() && !f.src.IsUnspecified() {
		n += putPktinfo(oob[n:], f.src)
	}
	if n == 0 {
		h.Control = nil
		h.SetControllen(0)
		return
	}
	h.Control = &oob[0]
	h.SetControllen(n)
}

// putCmsg writes one control message into b and returns its space.
func putCmsg(b []byte, level, typ int32, data []byte) int {
	var h unix.Cmsghdr
	h.Level, h.Type = level, typ
	h.SetLen(unix.CmsgLen(len(data)))
	copy(b, unsafe.Slice((*byte)(unsafe.Pointer(&h)), unix.SizeofCmsghdr))
	copy(b[unix.CmsgLen(0):], data)
	return unix.CmsgSpace(len(data))
}

// putPktinfo writes the control message that sends from src.
func putPktinfo(b []byte, src netip.Addr) int {
	if src.Unmap().Is4() {
		info := unix.Inet4Pktinfo{Spec_dst: src.Unmap().As4()}
		return putCmsg(b, unix.IPPROTO_IP, unix.IP_PKTINFO,
			unsafe.Slice((*byte)(unsafe.Pointer(&info)), unix.SizeofInet4Pktinfo))
	}
	info := unix.Inet6Pktinfo{Addr: src.As16()}
	return putCmsg(b, unix.IPPROTO_IPV6, unix.IPV6_PKTINFO,
		unsafe.Slice((*byte)(unsafe.Pointer(&info)), unix.SizeofInet6Pktinfo))
}

// recover handles a message the kernel refused and returns how many
// datagrams were lost. A refused GSO train is resent datagram by datagram:
// EINVAL means this train's segments exceed the route MTU (the kernel will
// fragment them singly); EIO or ENOPROTOOPT mean the route or kernel cannot
// segment at all, so GSO is turned off for good.
func (m *mmsgIO) recover(k int) int {
	if m.segs[k] == 1 || (m.errno != unix.EIO && m.errno != unix.EINVAL && m.errno != unix.ENOPROTOOPT) {
		return m.segs[k]
	}
	if m.errno != unix.EINVAL {
		m.gso.enabled = false
	}
	msg := unsafe.Slice(m.iovs[k].Base, m.iovs[k].Len)
	size, f := m.gso.sizes[k], m.gso.flows[k]
	failed := 0
	for off := 0; off < len(msg); off += size {
		if m.c.sendFrom(msg[off:min(off+size, len(msg))], f.src, f.dst) != nil {
			failed++
		}
	}
	return failed
}
