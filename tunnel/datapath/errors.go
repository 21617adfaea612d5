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
)
