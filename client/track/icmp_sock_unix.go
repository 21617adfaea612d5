//go:build linux || darwin

package track

import (
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// openPingSocket opens an unprivileged ICMP socket (SOCK_DGRAM with
// IPPROTO_ICMP/ICMPV6): the kernel fills the identifier and checksum and
// hands us only replies to this socket. Linux allows it to the groups in
// net.ipv4.ping_group_range (shared by IPv6).
func openPingSocket(v6 bool) (net.PacketConn, error) {
	family, proto := unix.AF_INET, unix.IPPROTO_ICMP
	if v6 {
		family, proto = unix.AF_INET6, unix.IPPROTO_ICMPV6
	}
	fd, err := unix.Socket(family, unix.SOCK_DGRAM, proto)
	if err != nil {
		return nil, fmt.Errorf("ping socket: %w", err)
	}
	unix.CloseOnExec(fd)
	f := os.NewFile(uintptr(fd), "icmp")
	defer f.Close() // FilePacketConn dups the descriptor
	c, err := net.FilePacketConn(f)
	if err != nil {
		return nil, fmt.Errorf("ping socket: %w", err)
	}
	return c, nil
}
