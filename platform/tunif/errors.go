package tunif

import "errors"

// ErrCreate wraps every failure to create a TUN device, so callers can tell
// it apart from configuration errors elsewhere.
var ErrCreate = errors.New("tunif: create tun device")
