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
	oob     []byte // one control message slot per message
	space   int
	sizes   []int // segment size of each message
}

func newGSOState(batch int) gsoState {
	space := unix.CmsgSpace(2)
	return gsoState{enabled: true, oob: make([]byte, batch*space), space: space, sizes: make([]int, batch)}
}

// plan lays bufs out as messages in m.hdrs, coalescing runs of datagrams to
// the same destination when GSO is on, and returns the message count. A
// run's datagrams all have the first one's size except possibly the last,
// which may be shorter, as UDP_SEGMENT requires.
func (m *mmsgIO) plan(bufs [][]byte, dsts []netip.AddrPort) int {
	n := 0
	for i := 0; i < len(bufs) && n < len(m.hdrs); n++ {
		msg, size, j := bufs[i], len(bufs[i]), i+1
		for m.gso.enabled && j < len(bufs) && m.joins(msg, size, j-i, bufs[j], dsts[j] == dsts[i]) {
			msg = append(msg, bufs[j]...)
			j++
			if len(bufs[j-1]) < size {
				break
			}
		}
		m.setMessage(n, msg, dsts[i], size, j-i)
		i = j
	}
	return n
}

// joins reports whether next may be appended to the run msg.
func (m *mmsgIO) joins(msg []byte, size, count int, next []byte, sameDst bool) bool {
	total := len(msg) + len(next)
	return sameDst && count < maxGSOSegments && len(next) <= size &&
		total <= maxGSOBytes && total <= cap(msg)
}

// setMessage fills message k; a run of several datagrams gets the
// UDP_SEGMENT control message with the segment size.
func (m *mmsgIO) setMessage(k int, msg []byte, dst netip.AddrPort, size, count int) {
	m.iovs[k].Base = unsafe.SliceData(msg)
	m.iovs[k].SetLen(len(msg))
	h := &m.hdrs[k].Hdr
	h.Namelen = encodeSockaddr(&m.names[k], dst, m.v6)
	h.Flags, m.hdrs[k].Len = 0, 0
	m.segs[k], m.gso.sizes[k] = count, size
	if count == 1 {
		h.Control = nil
		h.SetControllen(0)
		return
	}
	oob := m.gso.oob[k*m.gso.space : (k+1)*m.gso.space]
	cm := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
	cm.Level, cm.Type = unix.SOL_UDP, unix.UDP_SEGMENT
	cm.SetLen(unix.CmsgLen(2))
	*(*uint16)(unsafe.Pointer(&oob[unix.CmsgLen(0)])) = uint16(size)
	h.Control = &oob[0]
	h.SetControllen(len(oob))
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
	size := m.gso.sizes[k]
	dst := decodeSockaddr(&m.names[k])
	failed := 0
	for off := 0; off < len(msg); off += size {
		if m.c.sendTo(msg[off:min(off+size, len(msg))], dst) != nil {
			failed++
		}
	}
	return failed
}
