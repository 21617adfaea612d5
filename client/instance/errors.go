package instance

import "errors"

// ErrBusy means another live instance holds the lock. Acquire returns it
// wrapped in a *BusyError that names the holder.
var ErrBusy = errors.New("another flexvpn instance manages this host's tunnels")
