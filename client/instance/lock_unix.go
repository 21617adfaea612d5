//go:build unix

package instance

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

const lockSupported = true

// errWouldBlock is lockFile's answer when another open file holds the lock.
var errWouldBlock = errors.New("instance: lock held")

// lockFile takes an exclusive flock without waiting. flock locks belong
// to the open file, so two opens conflict even within one process, and
// the kernel drops the lock when the last descriptor closes.
func lockFile(f *os.File) error {
	err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		return errWouldBlock
	}
	return err
}
