package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"os/user"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.zx2c4.com/wireguard/tun"

	"flexvpn/client"
	"flexvpn/client/ctl"
	"flexvpn/client/ctl/daemon"
	"flexvpn/client/instance"
	"flexvpn/dnsproxy"
	"flexvpn/platform/ctlsock"
	"flexvpn/platform/dnsconfig"
	"flexvpn/platform/router"
	"flexvpn/platform/service"
	"flexvpn/platform/tunif"
)

func init() {
	register("daemon", "run every profile of a directory headless; control it with up, down and status", runDaemon)
}

// Defaults of the headless daemon.
const (
	defaultProfileDir = "/etc/flexvpn/profiles"
	defaultGroup      = "flexvpn"
)

// daemonFlags are the daemon's command line.
type daemonFlags struct {
	profiles, socket, group, dnsListen string
	verbose                            bool
}

func parseDaemonFlags(args []string) (daemonFlags, error) {
	var f daemonFlags
	fs := flag.NewFlagSet("daemon", flag.ContinueOnError)
	fs.StringVar(&f.profiles, "profiles", defaultProfileDir, "directory of profiles (*.toml)")
	fs.StringVar(&f.socket, "socket", ctl.DefaultSocket, "control socket")
	fs.StringVar(&f.group, "group", "", "group allowed on the control socket besides root (default: "+defaultGroup+" if it exists)")
	fs.StringVar(&f.dnsListen, "dns-listen", "127.0.0.54:53", "address of the split-DNS proxy")
	fs.BoolVar(&f.verbose, "v", false, "verbose logging")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return f, nil
}

func runDaemon(args []string) error {
	f, err := parseDaemonFlags(args)
	if err != nil {
		return err
	}
	proxyAddr, err := netip.ParseAddrPort(f.dnsListen)
	if err != nil {
		return fmt.Errorf("-dns-listen: %w", err)
	}
	gid, err := socketGroup(f.group)
	if err != nil {
		return err
	}
	log := newLogger(f.verbose)
	if socketAlive(f.socket) {
		return fmt.Errorf("another daemon already serves %s; stop it first", f.socket)
	}
	// The cleanup below would flush the routes of a running `flexvpn
	// connect`: only an instance holding the lock may run it.
	release, err := claimHost(instance.Holder{Kind: instance.KindDaemon}, log)
	if err != nil {
		return err
	}
	defer release()
	// Before anything else: a crashed predecessor may have left DNS
	// pointing at a dead proxy and routes into a dead interface.
	if err := systemCleanup().Do(); err != nil {
		log.Warn("crash cleanup incomplete", "err", err)
	}
	ln, err := ctlsock.Listen(f.socket, ctlsock.Policy{GID: gid})
	if err != nil {
		return fmt.Errorf("control socket: %w", err)
	}
	ln.Denied = func(p ctlsock.Peer, err error) {
		log.Warn("control socket: peer refused", "uid", p.UID, "gid", p.GID, "pid", p.PID, "err", err)
	}
	return serveDaemon(f, ln, proxyAddr, log)
}

// serveDaemon runs the daemon on an open control socket until SIGTERM or
// SIGINT, reloading on SIGHUP.
func serveDaemon(f daemonFlags, ln *ctlsock.Listener, proxyAddr netip.AddrPort, log *slog.Logger) error {
	notifier := service.FromEnv()
	dns := &daemon.SharedDNS{
		Proxy:    dnsproxy.New(log, nil),
		Resolver: dnsconfig.NewResolvConf(resolvConf, resolvConfBackup),
		Listen:   proxyAddr,
	}
	var d *daemon.Daemon
	d = daemon.New(daemon.Config{
		Dir:       f.profiles,
		Factory:   tunnelFactory,
		NewRouter: func() router.Router { return router.New(router.ExecRunner{}) },
		DNS:       dns,
		Logger:    log,
		Changed:   func() { notifier.Status(summary(d)) },
	})
	srv := &ctl.Server{Backend: d, Logger: log}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	// Room for a stop signal arriving during a reload.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sigs)
	d.Reload()
	notifier.Ready()
	notifier.Status(summary(d))
	log.Info("daemon ready", "profiles", f.profiles, "socket", f.socket)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if every, ok := service.WatchdogInterval(); ok {
		go notifier.RunWatchdog(ctx, every, func() bool { return healthy(d) })
	}
	err := waitSignals(sigs, served, d, notifier, log)
	notifier.Stopping()
	srv.Close()
	return errors.Join(err, d.Shutdown(), dns.Resolver.Close())
}

// waitSignals handles SIGHUP reloads until a stop signal or a dead socket.
func waitSignals(sigs <-chan os.Signal, served <-chan error, d *daemon.Daemon, n *service.Notifier, log *slog.Logger) error {
	for {
		select {
		case err := <-served:
			return fmt.Errorf("control socket: %w", err)
		case sig := <-sigs:
			if sig != syscall.SIGHUP {
				log.Info("stopping", "signal", sig)
				return nil
			}
			log.Info("reloading profiles")
			n.Reloading()
			d.Reload()
			n.Ready()
			n.Status(summary(d))
		}
	}
}

// tunnelFactory builds a profile's connection the way `flexvpn connect`
// does, but headless: EAP passwords must come from the secrets file.
func tunnelFactory(b daemon.Build) (daemon.Tunnel, error) {
	ikeCfg, err := client.IKEConfig(b.Profile, nil)
	if err != nil {
		return nil, err
	}
	tagged := b.Logger.With("profile", b.Profile.Name)
	ikeCfg.Logger = tagged
	return client.NewConn(client.ConnConfig{
		Profile: b.Profile,
		Dialer: b.WrapDialer(&client.TunnelDialer{
			IKE:    ikeCfg,
			NewTUN: func() (tun.Device, error) { return tunif.Create(b.Interface, b.MTU) },
			Logger: tagged,
		}),
		Resolver: netResolver{},
		Applier:  b.Applier,
		Trace:    b.Trace,
		Logger:   b.Logger,
		Eligible: b.Eligible,
	}), nil
}

// healthy is the watchdog's check: the daemon's state lock is not stuck.
func healthy(d *daemon.Daemon) bool {
	done := make(chan struct{})
	go func() {
		d.Status("", false)
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(5 * time.Second):
		return false
	}
}

// summary is the service manager's status line.
func summary(d *daemon.Daemon) string {
	st, err := d.Status("", false)
	if err != nil {
		return err.Error()
	}
	if len(st) == 0 {
		return "no profiles loaded"
	}
	parts := make([]string, len(st))
	for i, s := range st {
		parts[i] = s.Profile + " " + s.State
	}
	return strings.Join(parts, ", ")
}

// socketGroup resolves --group: explicit names must exist; by default the
// flexvpn group is used when present, else root only.
func socketGroup(name string) (int, error) {
	explicit := name != ""
	if !explicit {
		name = defaultGroup
	}
	g, err := user.LookupGroup(name)
	if err != nil {
		if explicit {
			return 0, fmt.Errorf("-group %s: %w (create it with groupadd %s)", name, err, name)
		}
		return -1, nil
	}
	return strconv.Atoi(g.Gid)
}

// socketAlive reports whether a daemon answers on path.
func socketAlive(path string) bool {
	c, err := net.DialTimeout("unix", path, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
