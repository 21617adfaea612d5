package gui

import "errors"

// Sentinel errors. Explain wraps what the ctl client reports in one of
// these so the views can say what the user must do.
var (
	// ErrNoDaemon: nothing listens on the control socket.
	ErrNoDaemon = errors.New("the flexvpn daemon is not running: start it with `sudo systemctl start flexvpn` (or `sudo flexvpn daemon`)")
	// ErrNotAllowed: the socket exists but this user may not use it.
	ErrNotAllowed = errors.New("you are not allowed to control the flexvpn daemon: add yourself to the flexvpn group (`sudo usermod -aG flexvpn $USER`), then log out and in again")
	// ErrPrimaryGroupOnly: we are in the socket's group, yet the daemon
	// refused us: its peer check admits only processes whose primary
	// group it is (platform/ctlsock reads SO_PEERCRED's gid, which does
	// not list supplementary groups). sg(1) makes the group primary.
	ErrPrimaryGroupOnly = errors.New("the daemon refused you although you are in its group: this daemon admits only processes whose primary group it is; start the GUI with `sg flexvpn -c flexvpn-gui` until the daemon is updated")
	// ErrUnknownProfile: the daemon has no profile of that name (any more).
	ErrUnknownProfile = errors.New("no such profile in the daemon")
)
