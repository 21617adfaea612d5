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

// Ping sends one ICMP echo request from h to addr (IPv4) and waits up to
// a second for the matching reply. It uses a raw socket opened inside the
// namespace, so no ping binary is needed.
func (h *Host) Ping(addr netip.Addr) error {
	var conn net.PacketConn
	err := h.Do(func() error {
		var err error
		conn, err = net.ListenPacket("ip4:icmp", "0.0.0.0")
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: ping %s: %w", h.Name, addr, err)
	}
	defer conn.Close()
	seq := uint16(pingSeq.Add(1))
	id := uint16(0xf1e0)
	if _, err := conn.WriteTo(echoRequest(id, seq), &net.IPAddr{IP: addr.AsSlice()}); err != nil {
		return fmt.Errorf("%s: ping %s: %w", h.Name, addr, err)
	}
	return awaitEcho(conn, addr, id, seq)
}

// awaitEcho reads until the echo reply for (id, seq) from addr arrives or
// the timeout passes.
func awaitEcho(conn net.PacketConn, addr netip.Addr, id, seq uint16) error {
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
		if b[0] == 0 && binary.BigEndian.Uint16(b[4:]) == id && binary.BigEndian.Uint16(b[6:]) == seq {
			return nil
		}
	}
}

// echoRequest builds an ICMP echo request with a short payload.
func echoRequest(id, seq uint16) []byte {
	b := make([]byte, 8, 8+16)
	b[0] = 8 // echo request
	binary.BigEndian.PutUint16(b[4:], id)
	binary.BigEndian.PutUint16(b[6:], seq)
	b = append(b, "flexvpn-netns-ok"...)
	binary.BigEndian.PutUint16(b[2:], inetChecksum(b))
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
