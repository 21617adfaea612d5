package main

import (
	"errors"
	"flag"
	"fmt"
	"os/exec"

	"flexvpn/client/ctl"
	"flexvpn/client/ctl/daemon"
	"flexvpn/client/instance"
)

func init() {
	register("cleanup", "undo what a crashed daemon or connect left: resolv.conf, routes and rules (safe to repeat)", runCleanup)
}

func runCleanup(args []string) error {
	fs := flag.NewFlagSet("cleanup", flag.ContinueOnError)
	socket := fs.String("socket", ctl.DefaultSocket, "control socket of the daemon")
	force := fs.Bool("force", false, "clean up even though a daemon answers on the socket or a connect holds the instance lock")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*force && socketAlive(*socket) {
		return errors.New("the daemon is running; bring tunnels down with `flexvpn down NAME` (or stop the service) instead")
	}
	if !*force {
		// A `flexvpn connect` has no socket: only its lock tells it is alive.
		release, err := claimHost(instance.Holder{Kind: instance.KindCleanup}, newLogger(false))
		if err != nil {
			return err
		}
		defer release()
	}
	if err := systemCleanup().Do(); err != nil {
		return err
	}
	fmt.Println("flexvpn: system state restored")
	return nil
}

// systemCleanup is the crash cleanup of this host's real files and
// tables; tests replace it with one that records.
var systemCleanup = func() daemon.Cleanup {
	return daemon.Cleanup{ResolvConf: resolvConf, Backup: resolvConfBackup, Run: execOutput}
}

// execOutput runs a command and returns its combined output.
func execOutput(args ...string) ([]byte, error) {
	return exec.Command(args[0], args[1:]...).CombinedOutput()
}
