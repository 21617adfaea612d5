package main

import (
	"errors"
	"fmt"
	"log/slog"

	"flexvpn/client/instance"
)

// runDir holds the instance lock; tests point it at a temporary
// directory.
var runDir = instance.DefaultDir

// claimHost makes this process the host's one flexvpn client instance:
// the daemon and `flexvpn connect` share the routing tables, resolv.conf
// and its backup, the proxy address and the interface names, and each
// cleans up at start what a crashed predecessor left. Holding the lock
// proves no live instance owns that state. A held lock fails with an
// error naming the holder and what the user can do instead. Where the
// system has no file locks, the claim is skipped with a warning.
func claimHost(me instance.Holder, log *slog.Logger) (release func(), err error) {
	l, err := instance.Acquire(runDir, me)
	var busy *instance.BusyError
	switch {
	case errors.As(err, &busy):
		return nil, fmt.Errorf("%w; %s", err, busyHint(busy, me.Kind))
	case errors.Is(err, errors.ErrUnsupported):
		log.Warn("no instance lock on this system: do not run the daemon and connect at once")
		return func() {}, nil
	case err != nil:
		return nil, err
	}
	return func() {
		if err := l.Release(); err != nil {
			log.Warn("instance lock not released", "err", err)
		}
	}, nil
}

// busyHint says what the refused command's user can do about holder.
func busyHint(busy *instance.BusyError, asker string) string {
	h := busy.Holder
	switch {
	case asker == instance.KindCleanup:
		return "it owns the routes and DNS it set, so there is nothing to clean up; stop it instead"
	case h.Kind == instance.KindDaemon && asker == instance.KindConnect:
		return "connect through it with `flexvpn up PROFILE` (profiles in its directory), or stop the daemon first"
	case h.Kind == instance.KindConnect && h.PID > 0:
		return fmt.Sprintf("disconnect it first (Ctrl-C in its terminal, or kill %d)", h.PID)
	case h.PID > 0:
		return fmt.Sprintf("stop it first (pid %d)", h.PID)
	}
	return "stop it first"
}
