// Command flexvpn-gui is the desktop front end of the flexvpn daemon: a
// tray icon with a connect item per profile and a window with a connect
// button each. It only talks to the daemon's control socket; the daemon
// (`flexvpn daemon`, run by root) does the VPN.
//
// It is a separate binary from cmd/flexvpn because Fyne needs cgo and
// OpenGL, which the router binary must not link. The toolkit is built in
// only with the `gui` build tag (`make gui`), so that `go vet ./...` and
// `go test ./...` need no C compiler or GL/X11 headers; without it the
// binary says how to build the real one.
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"

	"flexvpn/client/ctl"
)

// version is set at build time (-ldflags "-X main.version=...").
var version = "development"

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "flexvpn-gui:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("flexvpn-gui", flag.ContinueOnError)
	socket := fs.String("socket", ctl.DefaultSocket, "control socket of the daemon")
	hidden := fs.Bool("hidden", false, "start with only the tray icon (for the session's autostart)")
	debug := fs.Bool("debug", false, "log control socket events to stderr")
	showVersion := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (usage: flexvpn-gui [--socket PATH] [--hidden] [--debug])", fs.Arg(0))
	}
	if *showVersion {
		fmt.Println("flexvpn-gui", version)
		return nil
	}
	level := slog.LevelWarn
	if *debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	return start(*socket, *hidden, log)
}
