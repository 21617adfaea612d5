package track

import "errors"

var (
	// ErrInvalidObject marks a [[track_object]] the profile must fix.
	ErrInvalidObject = errors.New("invalid track object")
	// ErrInvalidCondition marks a track condition that is not "OBJECT",
	// "OBJECT up" or "OBJECT down".
	ErrInvalidCondition = errors.New("invalid track condition")
	// ErrUnknownObject is a condition naming an object the tracker lacks.
	ErrUnknownObject = errors.New("no such track object")
	// ErrNoReply is an ICMP probe that got no echo reply in time.
	ErrNoReply = errors.New("no echo reply")
	// ErrICMPPermission is an ICMP probe that may open neither a ping
	// socket nor a raw socket.
	ErrICMPPermission = errors.New("icmp probes need root (CAP_NET_RAW) or a group in net.ipv4.ping_group_range; run the daemon as root or widen the sysctl")
	// ErrInterfaceDown is an interface that is missing, down, or has no
	// usable address.
	ErrInterfaceDown = errors.New("interface not usable")
	// ErrNoAddress is a DNS probe whose name resolved to no address.
	ErrNoAddress = errors.New("name has no address")
)
