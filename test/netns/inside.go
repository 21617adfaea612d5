package netns

import (
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"
)

// Do runs f on an OS thread switched into h's network namespace, then
// switches the thread back. Sockets created inside f stay in h's
// namespace after Do returns, so this is how Go test code listens or dials
// "from" a host without a helper binary. Goroutines started by f run on
// other threads, in the test's own namespace.
func (h *Host) Do(f func() error) error {
	target, err := unix.Open("/run/netns/"+h.NS, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open namespace %s: %w", h.NS, err)
	}
	defer unix.Close(target)
	runtime.LockOSThread()
	orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("open own namespace: %w", err)
	}
	defer unix.Close(orig)
	if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("enter namespace %s: %w", h.NS, err)
	}
	ferr := f()
	if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
		// The thread is stuck in the wrong namespace: keep it locked so
		// the runtime discards it when this goroutine exits.
		return fmt.Errorf("leave namespace %s: %w", h.NS, err)
	}
	runtime.UnlockOSThread()
	return ferr
}
