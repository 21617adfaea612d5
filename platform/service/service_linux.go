//go:build linux

package service

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// send writes one datagram to the notify socket. A fresh socket per
// message keeps no state to go stale across a manager restart.
func send(addr string, msg []byte) error {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("service: notify socket: %w", err)
	}
	defer unix.Close(fd)
	// x/sys maps a leading '@' to the abstract namespace. MSG_DONTWAIT:
	// a service manager that stopped reading must not stall the daemon.
	if err := unix.Sendto(fd, msg, unix.MSG_DONTWAIT, &unix.SockaddrUnix{Name: addr}); err != nil {
		return fmt.Errorf("service: notify %s: %w", addr, err)
	}
	return nil
}
