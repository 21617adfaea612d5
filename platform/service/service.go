// Package service talks to the service manager that started the daemon.
// On Linux that is systemd's notify protocol (sd_notify): READY=1 once
// the control socket is up, STATUS= lines for `systemctl status`,
// STOPPING=1 on shutdown and WATCHDOG=1 pings at half the unit's
// WatchdogSec so a hung daemon is restarted. Without NOTIFY_SOCKET (not
// started by systemd) every call is a no-op.
//
// Windows services and launchd come with their packaging.
package service

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"time"
)

// ErrBadState is a notify message that would break the line protocol.
var ErrBadState = errors.New("service: notify state must be KEY=VALUE lines without NUL")

// Notifier sends state changes to the service manager. A nil *Notifier
// is valid and does nothing, so callers need no "under systemd?" checks.
type Notifier struct {
	addr string
}

// FromEnv returns a Notifier for $NOTIFY_SOCKET, or nil when it is unset.
// It unsets the variable so the tunnel helpers we start do not inherit it.
func FromEnv() *Notifier {
	addr := os.Getenv("NOTIFY_SOCKET")
	if addr == "" {
		return nil
	}
	os.Unsetenv("NOTIFY_SOCKET")
	return &Notifier{addr: addr}
}

// New returns a Notifier for the socket at addr ("@name" is abstract).
func New(addr string) *Notifier { return &Notifier{addr: addr} }

// Notify sends state, e.g. "READY=1\nSTATUS=2 tunnels up".
func (n *Notifier) Notify(state string) error {
	if n == nil {
		return nil
	}
	if strings.IndexByte(state, 0) >= 0 || !strings.Contains(state, "=") {
		return ErrBadState
	}
	return send(n.addr, []byte(state))
}

// Ready says the daemon is up and serving.
func (n *Notifier) Ready() error { return n.Notify("READY=1") }

// Stopping says the daemon is shutting down.
func (n *Notifier) Stopping() error { return n.Notify("STOPPING=1") }

// Status sets the one-line status shown by `systemctl status`.
func (n *Notifier) Status(s string) error {
	return n.Notify("STATUS=" + strings.ReplaceAll(s, "\n", " "))
}

// Reloading says a configuration reload started; Ready ends it.
func (n *Notifier) Reloading() error { return n.Notify("RELOADING=1") }

// WatchdogInterval returns how often to ping: half of $WATCHDOG_USEC,
// when the watchdog is on and meant for this process ($WATCHDOG_PID).
func WatchdogInterval() (time.Duration, bool) {
	usec, err := strconv.ParseInt(os.Getenv("WATCHDOG_USEC"), 10, 64)
	if err != nil || usec <= 0 {
		return 0, false
	}
	if pid := os.Getenv("WATCHDOG_PID"); pid != "" && pid != strconv.Itoa(os.Getpid()) {
		return 0, false
	}
	return time.Duration(usec) * time.Microsecond / 2, true
}

// RunWatchdog pings every interval while healthy reports true, until ctx
// ends. A daemon whose main loop is stuck stops pinging (healthy blocks
// or says false) and the service manager restarts it.
func (n *Notifier) RunWatchdog(ctx context.Context, interval time.Duration, healthy func() bool) {
	if n == nil || interval <= 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if healthy == nil || healthy() {
				n.Notify("WATCHDOG=1")
			}
		}
	}
}
