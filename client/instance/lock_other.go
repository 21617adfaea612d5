//go:build !unix

package instance

import (
	"errors"
	"os"
)

// lockSupported is false here: Windows forbids removing an open file and
// reading a locked one, which the protocol of lock.go relies on.
const lockSupported = false

var errWouldBlock = errors.New("instance: lock held")

func lockFile(*os.File) error { return errors.ErrUnsupported }
