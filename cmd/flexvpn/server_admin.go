package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"flexvpn/server"
)

// The admin subcommands talk to a running server over its control
// socket: --socket names it, or --config reads admin_socket from the
// server's configuration file.

type adminFlags struct {
	fs     *flag.FlagSet
	socket *string
	config *string
}

func newAdminFlags(name, usage string) *adminFlags {
	fs := flag.NewFlagSet("server "+name, flag.ContinueOnError)
	a := &adminFlags{fs: fs,
		socket: fs.String("socket", "", "admin socket (default: admin_socket of --config, else "+server.DefaultAdminSocket+")"),
		config: fs.String("config", "", "server configuration file, to find the admin socket")}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: flexvpn server %s %s\n", name, usage)
		fs.PrintDefaults()
	}
	return a
}

// parse accepts flags before and after the positional arguments.
func (a *adminFlags) parse(args []string) ([]string, error) {
	var pos []string
	for {
		if err := a.fs.Parse(args); err != nil {
			return nil, err
		}
		args = a.fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func (a *adminFlags) path() (string, error) {
	switch {
	case *a.socket != "":
		return *a.socket, nil
	case *a.config != "":
		cfg, err := server.Load(*a.config)
		if err != nil {
			return "", err
		}
		return cfg.AdminSocket, nil
	}
	return server.DefaultAdminSocket, nil
}

func (a *adminFlags) call(req server.AdminRequest) (server.AdminResponse, error) {
	path, err := a.path()
	if err != nil {
		return server.AdminResponse{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return server.AdminCall(ctx, path, req)
}

func runServerSessions(args []string) error {
	a := newAdminFlags("sessions", "[--json]")
	asJSON := a.fs.Bool("json", false, "print JSON")
	if _, err := a.parse(args); err != nil {
		return err
	}
	resp, err := a.call(server.AdminRequest{Op: server.OpSessions})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(resp.Sessions)
	}
	printSessions(os.Stdout, resp.Sessions, time.Now())
	return nil
}

// printSessions writes the session table the admin reads.
func printSessions(w io.Writer, list []server.SessionSnapshot, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tIDENTITY\tADDRESS\tPEER\tGATEWAY\tSINCE\tBYTES IN\tBYTES OUT")
	for _, s := range list {
		var addrs []string
		for _, ip := range []netip.Addr{s.IP4, s.IP6} {
			if ip.IsValid() {
				addrs = append(addrs, ip.String())
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%d\n", s.ID, s.Identity, strings.Join(addrs, ","), s.Peer,
			s.Gateway, now.Sub(s.Since).Round(time.Second), s.BytesIn, s.BytesOut)
	}
	tw.Flush()
	if len(list) == 0 {
		fmt.Fprintln(w, "(no sessions)")
	}
}

func runServerDisconnect(args []string) error {
	a := newAdminFlags("disconnect", "ID|IDENTITY|ADDRESS")
	pos, err := a.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		a.fs.Usage()
		return errors.New("name one session: its ID, identity or inner address")
	}
	resp, err := a.call(server.AdminRequest{Op: server.OpDisconnect, Target: pos[0]})
	for _, id := range resp.Ended {
		fmt.Printf("disconnected session %d\n", id)
	}
	return err
}

func runServerRedirect(args []string) error {
	a := newAdminFlags("redirect", "ID|IDENTITY|ADDRESS --to GATEWAY")
	to := a.fs.String("to", "", "gateway (address or host name) to send the client to")
	pos, err := a.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *to == "" {
		a.fs.Usage()
		return errors.New("name one session and the gateway with --to")
	}
	resp, err := a.call(server.AdminRequest{Op: server.OpRedirect, Target: pos[0], To: *to})
	for _, id := range resp.Ended {
		fmt.Printf("redirected session %d to %s\n", id, *to)
	}
	return err
}

func runServerReload(args []string) error {
	a := newAdminFlags("reload", "")
	if _, err := a.parse(args); err != nil {
		return err
	}
	resp, err := a.call(server.AdminRequest{Op: server.OpReload})
	if err != nil {
		return err
	}
	fmt.Println("configuration reloaded")
	if r := resp.Reload; r != nil {
		for _, id := range r.Disconnected {
			fmt.Printf("disconnected session %d: its address is no longer in a pool\n", id)
		}
		if len(r.NeedRestart) > 0 {
			fmt.Printf("these changes take effect only after a restart: %s\n", strings.Join(r.NeedRestart, ", "))
		}
	}
	return nil
}
