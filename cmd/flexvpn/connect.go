package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.zx2c4.com/wireguard/tun"

	"flexvpn/client"
	"flexvpn/client/instance"
	"flexvpn/client/profile"
	"flexvpn/dnsproxy"
	"flexvpn/platform/dnsconfig"
	"flexvpn/platform/router"
	"flexvpn/platform/tunif"
	"flexvpn/tunnel/ike/eap"
)

func init() {
	register("connect", "connect a profile in the foreground until interrupted", runConnect)
}

// Paths the client uses on Linux.
const (
	resolvConf       = "/etc/resolv.conf"
	resolvConfBackup = "/run/flexvpn/resolv.conf.orig"
	defaultTunMTU    = 1400
)

func runConnect(args []string) error {
	fs := flag.NewFlagSet("connect", flag.ContinueOnError)
	path := fs.String("profile", "", "profile file (TOML)")
	iface := fs.String("interface", "fv0", "tunnel interface name")
	proxy := fs.String("dns-listen", "", "address of the split-DNS proxy (default: the profile's dns.listen, else 127.0.0.54:53)")
	verbose := fs.Bool("v", false, "verbose logging")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *path == "" {
		return errors.New("-profile is required")
	}
	p, err := loadProfile(*path)
	if err != nil {
		return err
	}
	proxyAddr, err := netip.ParseAddrPort(dnsListen(*proxy, p))
	if err != nil {
		return fmt.Errorf("-dns-listen: %w", err)
	}
	log := newLogger(*verbose)
	ikeCfg, err := client.IKEConfig(p, terminalCredentials)
	if err != nil {
		return err
	}
	release, err := claimHost(instance.Holder{Kind: instance.KindConnect, Profile: p.Name}, log)
	if err != nil {
		return err
	}
	defer release()
	// No live instance owns routes or DNS now: what is left (a duplicate
	// policy rule, resolv.conf pointing at a dead proxy) is a crashed
	// predecessor's, and would get in the way.
	if err := systemCleanup().Do(); err != nil {
		log.Warn("crash cleanup incomplete", "err", err)
	}
	ikeCfg.Logger = log
	tr, err := startTracker(p, log)
	if err != nil {
		return err
	}
	defer tr.Close()
	trace := client.NewTrace(0)
	conn := client.NewConn(client.ConnConfig{
		Profile: p,
		Trace:   trace,
		Dialer: &client.TunnelDialer{
			IKE:    ikeCfg,
			NewTUN: func() (tun.Device, error) { return tunif.Create(*iface, defaultTunMTU) },
			Logger: log,
		},
		Resolver: netResolver{},
		Applier: &client.PlatformApplier{
			Profile: p, Interface: *iface, MTU: defaultTunMTU,
			Router:    router.New(router.ExecRunner{}),
			Resolver:  dnsconfig.NewResolvConf(resolvConf, resolvConfBackup),
			Proxy:     dnsproxy.New(log, nil),
			ProxyAddr: proxyAddr,
		},
		Logger:   log,
		Eligible: trackEligibility(tr),
	})
	go feedEligibility(tr, conn)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Watch before Run so the first states are not missed, and print the
	// last ones (failed, idle) before the process exits.
	states, done, printed := conn.Watch(), make(chan struct{}), make(chan struct{})
	go reportStates(os.Stderr, states, done, printed, waitingDetail(trace))
	say := func(msg string) { fmt.Fprintf(os.Stderr, "flexvpn: %s\n", msg) }
	err = runTracked(ctx, p, tr, conn.Run, say)
	close(done)
	<-printed
	return err
}

// reportStates prints state changes for the person at the terminal until
// done, then what is still queued, and closes printed. detail may add a
// sentence to a state's line.
func reportStates(w io.Writer, states <-chan client.State, done <-chan struct{}, printed chan<- struct{}, detail func(client.State) string) {
	defer close(printed)
	line := func(s client.State) {
		if d := detail(s); d != "" {
			fmt.Fprintf(w, "flexvpn: %s: %s\n", s, d)
			return
		}
		fmt.Fprintf(w, "flexvpn: %s\n", s)
	}
	for {
		select {
		case s := <-states:
			line(s)
		case <-done:
			for {
				select {
				case s := <-states:
					line(s)
				default:
					return
				}
			}
		}
	}
}

// waitingDetail says, for a Waiting state, why and for how long: the
// user sees the client keeps trying. The Conn records an event before it
// reports the state, so the trace's last event is the one to describe.
func waitingDetail(trace *client.Trace) func(client.State) string {
	return func(s client.State) string {
		evs := trace.Events()
		if s != client.StateWaiting || len(evs) == 0 || evs[len(evs)-1].State != s {
			return ""
		}
		last := evs[len(evs)-1]
		if last.Err == "" {
			return last.Message
		}
		return last.Message + " (" + last.Err + ")"
	}
}

// netResolver resolves gateway names with the system resolver, preferring
// IPv4 (the IKE transport is chosen by the address family).
type netResolver struct{}

func (netResolver) Resolve(ctx context.Context, host string) (netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return a, nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return netip.Addr{}, err
	}
	for _, a := range addrs {
		if a.Unmap().Is4() {
			return a.Unmap(), nil
		}
	}
	if len(addrs) == 0 {
		return netip.Addr{}, fmt.Errorf("%s has no address", host)
	}
	return addrs[0], nil
}

// terminalCredentials asks for the EAP password on the terminal.
func terminalCredentials(ctx context.Context, req eap.CredentialRequest) (eap.Credentials, error) {
	if !isTerminal(os.Stdin) {
		return eap.Credentials{}, errors.New("a password is needed but stdin is not a terminal; put it in the profile's secrets file")
	}
	prompt := "Password"
	if req.Prompt != "" {
		prompt = strings.TrimSpace(req.Prompt)
	}
	fmt.Fprintf(os.Stderr, "%s for %s: ", prompt, req.Identity)
	pw, err := readPassword(os.Stdin)
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return eap.Credentials{}, err
	}
	return eap.Credentials{Password: pw}, nil
}

// readLine reads one line without echo control (fallback).
func readLine(f *os.File) (string, error) {
	s, err := bufio.NewReader(f).ReadString('\n')
	return strings.TrimRight(s, "\r\n"), err
}

// dnsListen picks the proxy address: the flag, else the profile's first
// dns.listen (validated by profile.Load), else the default.
func dnsListen(flagValue string, p *profile.Profile) string {
	switch {
	case flagValue != "":
		return flagValue
	case len(p.DNS.Listen) > 0:
		return p.DNS.Listen[0]
	}
	return "127.0.0.54:53"
}
