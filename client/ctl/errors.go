package ctl

import "errors"

// Sentinel errors.
var (
	// ErrLineTooLong is a request or response longer than its limit.
	ErrLineTooLong = errors.New("ctl: line too long")
	// ErrVersion is a message of a protocol version we do not speak.
	ErrVersion = errors.New("ctl: unsupported protocol version (daemon and CLI are from different releases)")
	// ErrBadRequest is a request that decodes but makes no sense.
	ErrBadRequest = errors.New("ctl: bad request")
	// ErrDaemon wraps an error the daemon answered with.
	ErrDaemon = errors.New("daemon")
	// ErrNoDaemon says nothing listens on the control socket.
	ErrNoDaemon = errors.New("the flexvpn daemon is not running (start it with `systemctl start flexvpn` or `flexvpn daemon`)")
)
