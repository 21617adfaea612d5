package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"
)

func init() {
	register("demo-ping", "(demo) send ICMP echo requests: demo-ping ADDR [COUNT]", runDemoPing)
}

// runDemoPing pings an IPv4 address with a raw socket, so the demo needs
// no ping binary. It fails unless every echo is answered.
func runDemoPing(args []string) error {
	if len(args) < 1 {
		return errors.New("usage: flexvpn demo-ping ADDR [COUNT]")
	}
	dst, err := netip.ParseAddr(args[0])
	if err != nil || !dst.Is4() {
		return fmt.Errorf("%q is not an IPv4 address", args[0])
	}
	count := 3
	if len(args) > 1 {
		fmt.Sscanf(args[1], "%d", &count)
	}
	conn, err := net.ListenPacket("ip4:icmp", "0.0.0.0")
	if err != nil {
		return err
	}
	defer conn.Close()
	id := uint16(os.Getpid())
	for seq := 1; seq <= count; seq++ {
		rtt, err := echo(conn, dst, id, uint16(seq))
		if err != nil {
			return fmt.Errorf("echo %d to %s: %w", seq, dst, err)
		}
		fmt.Printf("reply from %s: seq=%d time=%.2f ms\n", dst, seq, float64(rtt.Microseconds())/1000)
		if seq < count {
			time.Sleep(200 * time.Millisecond)
		}
	}
	return nil
}

// echo sends one echo request and waits up to 2 s for its reply.
func echo(conn net.PacketConn, dst netip.Addr, id, seq uint16) (time.Duration, error) {
	req := make([]byte, 16)
	req[0] = 8 // echo request
	binary.BigEndian.PutUint16(req[4:], id)
	binary.BigEndian.PutUint16(req[6:], seq)
	copy(req[8:], "flexvpn!")
	binary.BigEndian.PutUint16(req[2:], icmpChecksum(req))
	start := time.Now()
	if _, err := conn.WriteTo(req, &net.IPAddr{IP: dst.AsSlice()}); err != nil {
		return 0, err
	}
	conn.SetReadDeadline(start.Add(2 * time.Second))
	buf := make([]byte, 1500)
	for {
		n, from, err := conn.ReadFrom(buf)
		if err != nil {
			return 0, errors.New("no reply")
		}
		r := buf[:n]
		ip, ok := from.(*net.IPAddr)
		if ok && ip.IP.Equal(dst.AsSlice()) && n >= 8 && r[0] == 0 &&
			binary.BigEndian.Uint16(r[4:]) == id && binary.BigEndian.Uint16(r[6:]) == seq {
			return time.Since(start), nil
		}
	}
}

func icmpChecksum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}
