//go:build linux

package ctlsock

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Listen creates the socket at path (replacing a stale one), owned by
// root:policy.GID with mode 0660 (0600 for root only), in a directory
// others cannot write to.
func Listen(path string, policy Policy) (*Listener, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	if err := removeStale(path); err != nil {
		return nil, err
	}
	// Create the socket with no access for anyone but the owner, then open it
	// to the group: there is no moment where others could connect.
	old := unix.Umask(0o177)
	ln, err := net.Listen("unix", path)
	unix.Umask(old)
	if err != nil {
		return nil, err
	}
	if policy.GID >= 0 {
		if err := os.Chown(path, -1, policy.GID); err != nil {
			ln.Close()
			return nil, fmt.Errorf("control socket group: %w", err)
		}
		if err := os.Chmod(path, 0o660); err != nil {
			ln.Close()
			return nil, err
		}
	}
	return &Listener{Listener: ln, policy: policy, peer: peerCred}, nil
}

// removeStale deletes an old socket file left by a crashed daemon, but
// never a file of another kind.
func removeStale(path string) error {
	st, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if st.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("%s exists and is not a socket; remove it by hand", path)
	}
	return os.Remove(path)
}

// peerCred reads SO_PEERCRED of a Unix connection.
func peerCred(c net.Conn) (Peer, error) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return Peer{}, errors.New("not a unix socket")
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return Peer{}, err
	}
	var cred *unix.Ucred
	var groups []int
	var credErr error
	err = raw.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
		if credErr == nil {
			groups, credErr = peerGroups(int(fd))
		}
	})
	if err == nil {
		err = credErr
	}
	if err != nil {
		return Peer{}, err
	}
	return Peer{UID: int(cred.Uid), GID: int(cred.Gid), PID: int(cred.Pid), Groups: groups}, nil
}

// peerGroups reads SO_PEERGROUPS (Linux 4.13+): the supplementary groups
// the peer had when it connected, taken by the kernel like SO_PEERCRED,
// so unlike /proc/PID/status they cannot belong to a recycled PID. On an
// older kernel (ENOPROTOOPT) only the primary group counts.
func peerGroups(fd int) ([]int, error) {
	buf := make([]uint32, 64)
	for {
		size := uint32(len(buf) * 4)
		_, _, errno := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.SOL_SOCKET, unix.SO_PEERGROUPS,
			uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&size)), 0)
		switch {
		case errno == unix.ERANGE && int(size/4) > len(buf):
			buf = make([]uint32, size/4)
			continue
		case errno == unix.ENOPROTOOPT:
			return nil, nil
		case errno != 0:
			return nil, fmt.Errorf("SO_PEERGROUPS: %w", errno)
		}
		groups := make([]int, size/4)
		for i := range groups {
			groups[i] = int(buf[i])
		}
		return groups, nil
	}
}
