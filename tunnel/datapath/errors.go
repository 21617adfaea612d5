package datapath

import "errors"

// Sentinel errors returned by Device methods.
var (
	// ErrConfig means New was given an unusable Config.
	ErrConfig = errors.New("datapath: invalid config")
	// ErrClosed means the Device has been closed.
	ErrClosed = errors.New("datapath: device closed")
	// ErrBadSA means an SA argument was nil or its SPI reserved.
	ErrBadSA = errors.New("datapath: invalid security association")
	// ErrNoSocket means no bound socket can reach the remote's address
	// family (an IPv6 peer on a Device listening on IPv4 only).
	ErrNoSocket = errors.New("datapath: no socket for that address family")
)
