package daemon

import "errors"

// Sentinel errors.
var (
	// ErrNoProfile is an operation on a profile that is not loaded.
	ErrNoProfile = errors.New("no such profile")
	// ErrDefaultRoute is a second profile wanting the default route.
	ErrDefaultRoute = errors.New("default route is taken")
	// ErrNoSlot means too many profiles are up at once.
	ErrNoSlot = errors.New("too many profiles up at once")
	// ErrShutdown is an operation after Shutdown began.
	ErrShutdown = errors.New("the daemon is shutting down")
)
