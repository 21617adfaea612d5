package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"flexvpn/platform/ctlsock"
	"flexvpn/server"
)

func init() {
	register("server", "run the FlexVPN-style server, or talk to it (sessions, status, disconnect, redirect, reload, nthash, hash-password, load-key)", runServerCommand)
}

// serverSubcommands are `flexvpn server <name> ...`; anything else is
// the server itself (`flexvpn server --config FILE`).
var serverSubcommands = map[string]func(args []string) error{
	"sessions":      runServerSessions,
	"status":        runServerStatus,
	"disconnect":    runServerDisconnect,
	"redirect":      runServerRedirect,
	"reload":        runServerReload,
	"nthash":        runServerNTHash,
	"hash-password": runServerHashPassword,
	"load-key":      runServerLoadKey,
}

func runServerCommand(args []string) error {
	if len(args) > 0 {
		if sub, ok := serverSubcommands[args[0]]; ok {
			return sub(args[1:])
		}
	}
	return runServer(args)
}

// runServer runs the headend in the foreground: SIGTERM or SIGINT delete
// every session and clean up the TUN and routes; SIGHUP reloads the
// configuration.
func runServer(args []string) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	path := fs.String("config", "", "server configuration file (TOML)")
	verbose := fs.Bool("v", false, "verbose logging")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: flexvpn server --config FILE [-v]\n       flexvpn server sessions|status|disconnect|redirect|reload|nthash|hash-password|load-key ...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *path == "" || fs.NArg() > 0 {
		fs.Usage()
		return errors.New("--config is required")
	}
	cfg, err := server.Load(*path)
	if err != nil {
		return err
	}
	log := newLogger(*verbose)
	srv, err := server.New(cfg, server.Options{Logger: log})
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := ctlsock.Listen(cfg.AdminSocket, ctlsock.Policy{GID: -1})
	if err != nil {
		return fmt.Errorf("admin socket: %w", err)
	}
	defer os.Remove(cfg.AdminSocket)
	defer ln.Close()
	ln.Denied = func(p ctlsock.Peer, err error) {
		log.Warn("admin socket: refused", "uid", p.UID, "pid", p.PID, "err", err)
	}
	go srv.ServeAdmin(ln)
	log.Info("flexvpn server running", "listen", cfg.Listen, "interface", cfg.Interface, "admin", cfg.AdminSocket)
	return serveSignals(srv, log)
}

// serveSignals blocks until SIGTERM/SIGINT, reloading on SIGHUP.
func serveSignals(srv *server.Server, log *slog.Logger) error {
	sig := make(chan os.Signal, 4)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt, syscall.SIGHUP)
	defer signal.Stop(sig)
	for s := range sig {
		if s != syscall.SIGHUP {
			log.Info("shutting down: deleting sessions", "signal", s)
			return srv.Close()
		}
		next, err := server.Load(srv.Config().Path)
		if err == nil {
			_, err = srv.Reload(context.Background(), next)
		}
		if err != nil {
			log.Error("reload failed; keeping the running configuration", "err", err)
		}
	}
	return nil
}
