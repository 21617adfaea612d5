package datapath

import "errors"

// Sentinel errors returned by Device methods.
var (
	// ErrConfig means New was given an unusable Config.
	ErrConfig = errors.New("datapath: invalid config")
	// ErrClosed means the Device has been closed.
	ErrClosed = errors.New("datapath: device closed")
	// ErrNoSocket means SendIKE was asked to send from a socket the
	// Device does not have.
	ErrNoSocket = errors.New("datapath: no socket for that local address")
	// ErrBadSA means an SA argument was nil or its SPI reserved.
	ErrBadSA = errors.New("datapath: invalid security association")
)
