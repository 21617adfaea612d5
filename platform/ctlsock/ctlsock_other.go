//go:build !linux

package ctlsock

import "errors"

// Listen is not implemented on this OS yet (named pipes on Windows,
// LOCAL_PEERCRED on macOS come with their front ends).
func Listen(path string, policy Policy) (*Listener, error) {
	return nil, errors.ErrUnsupported
}
