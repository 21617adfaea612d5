// Command flexvpn-gui is the desktop front end of the flexvpn daemon: a
// tray icon with a connect item per profile and a window with a connect
// button each. It only talks to the daemon's control socket; the daemon
// (`flexvpn daemon`, run by root) does the VPN.
//
// It is a separate binary from cmd/flexvpn because Fyne needs cgo and
// OpenGL, which the router binary must not link.
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"

	"fyne.io/fyne/v2/app"

	"flexvpn/client/ctl"
	"flexvpn/gui"
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
	start(*socket, *hidden, log)
	return nil
}

// start runs the GUI until the user quits.
func start(socket string, hidden bool, log *slog.Logger) {
	a := app.NewWithID("net.flexvpn.gui")
	model := gui.NewModel(gui.Options{Client: &ctl.Client{Path: socket}, Logger: log})
	tray, _ := a.(gui.Tray)
	ui := gui.NewUI(a, model, tray)
	ui.Hidden = hidden
	a.Lifecycle().SetOnStarted(func() {
		go model.Run(ui.Context())
	})
	a.Lifecycle().SetOnStopped(ui.Close)
	ui.Start()
	a.Run()
}
