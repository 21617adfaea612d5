package client

import "errors"

// Sentinel errors. Callers match them with errors.Is.
var (
	// ErrTooManyRedirects bounds redirect loops (RFC 5685: 5 within 300 s).
	ErrTooManyRedirects = errors.New("too many redirects: the gateways keep sending us elsewhere")
	// ErrDataPlaneStopped ends a session whose data plane closed itself
	// because its TUN device failed: the IKE SA may still be up, but no
	// packet crosses the tunnel any more, so the Conn must redial with a
	// new device.
	ErrDataPlaneStopped = errors.New("the tunnel interface failed and stopped carrying packets")
	// ErrInterfaceGone ends a session whose TUN interface was deleted
	// under it: the Conn redials with a new one.
	ErrInterfaceGone = errors.New("the tunnel interface was deleted")
	// ErrInterfaceDown ends a session whose TUN interface was set down
	// (and with it lost its routes).
	ErrInterfaceDown = errors.New("the tunnel interface was set down and lost its routes")
	// ErrLocalAddressGone ends a session whose sockets are bound to an
	// address the host no longer has (a new network, a new lease): the
	// Conn redials from the current address.
	ErrLocalAddressGone = errors.New("the network changed: the tunnel's local address is gone")
)
