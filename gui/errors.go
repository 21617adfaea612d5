package gui

import "errors"

// Sentinel errors. Explain wraps what the ctl client reports in one of
// these so the views can say what the user must do.
var (
	// ErrNoDaemon: nothing listens on the control socket.
	ErrNoDaemon = errors.New("the flexvpn daemon is not running: start it with `sudo systemctl start flexvpn` (or `sudo flexvpn daemon`)")
	// ErrNotAllowed: the socket exists but this user may not use it.
	ErrNotAllowed = errors.New("you are not allowed to control the flexvpn daemon: add yourself to the flexvpn group (`sudo usermod -aG flexvpn $USER`), then log out and in again")
	// ErrUnknownProfile: the daemon has no profile of that name (any more).
	ErrUnknownProfile = errors.New("no such profile in the daemon")
)
