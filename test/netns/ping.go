package netns

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"
	"time"
)

// pingTimeout is how long Ping waits for the echo reply.
const pingTimeout = time.Second

// pingSeq makes each echo request distinguishable from stray replies.
var pingSeq atomic.Uint32

// Ping sends one ICMP or ICMPv6 echo request from h to addr and waits
// up to a second for the matching reply. It uses a raw socket opened
// inside the namespace, so no ping binary is needed.
func (h *Host) Ping(addr netip.Addr) error {
	network, laddr, reply := "ip4:icmp", "0.0.0.0", byte(0)
	if addr.Is6() {
		network, laddr, reply = "ip6:ipv6-icmp", "::", 129
	}
	var conn net.PacketConn
	err := h.Do(func() error {
		var err error
		conn, err = net.ListenPacket(network, laddr)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: ping %s: %w", h.Name, addr, err)
	}
	defer conn.Close()
	seq := uint16(pingSeq.Add(1))
	id := uint16(0xf1e0)
	if _, err := conn.WriteTo(echoRequest(addr.Is6(), id, seq), &net.IPAddr{IP: addr.AsSlice()}); err != nil {
		return fmt.Errorf("%s: ping %s: %w", h.Name, addr, err)
	}
	return awaitEcho(conn, addr, reply, id, seq)
}

// awaitEcho reads until the echo reply for (id, seq) from addr arrives or
// the timeout passes.
func awaitEcho(conn net.PacketConn, addr netip.Addr, reply byte, id, seq uint16) error {
	_ = conn.SetReadDeadline(time.Now().Add(pingTimeout))
	buf := make([]byte, 1500)
	for {
		n, from, err := conn.ReadFrom(buf)
		if err != nil {
			return fmt.Errorf("ping %s: no reply: %w", addr, err)
		}
		ip, ok := from.(*net.IPAddr)
		if !ok || !ip.IP.Equal(addr.AsSlice()) || n < 8 {
			continue
		}
		b := buf[:n]
		if b[0] == reply && binary.BigEndian.Uint16(b[4:]) == id && binary.BigEndian.Uint16(b[6:]) == seq {
			return nil
		}
	}
}

// echoRequest builds an ICMP (type 8) or ICMPv6 (type 128) echo request
// with a short payload. The kernel computes ICMPv6 checksums itself (it
// covers a pseudo-header only the kernel knows).
func echoRequest(v6 bool, id, seq uint16) []byte {
	b := make([]byte, 8, 8+16)
	b[0] = 8
	if v6 {
		b[0] = 128
	}
	binary.BigEndian.PutUint16(b[4:], id)
	binary.BigEndian.PutUint16(b[6:], seq)
	b = append(b, "flexvpn-netns-ok"...)
	if !v6 {
		binary.BigEndian.PutUint16(b[2:], inetChecksum(b))
	}
	return b
}

// inetChecksum is the RFC 1071 ones'-complement sum.
func inetChecksum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}
