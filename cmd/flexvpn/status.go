package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"flexvpn/client/ctl"
)

func init() {
	register("status", "show the daemon's profiles: status [NAME] [--json] [--trace] [--watch]", runStatus)
}

func runStatus(args []string) error {
	cf := newCtlFlags("status")
	asJSON := cf.fs.Bool("json", false, "print JSON")
	trace := cf.fs.Bool("trace", false, "include the recent event trace")
	watch := cf.fs.Bool("watch", false, "print the status again at every change until interrupted")
	pos, err := cf.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return errors.New("usage: flexvpn status [NAME] [--json] [--trace] [--watch]")
	}
	name := ""
	if len(pos) == 1 {
		name = pos[0]
	}
	if *watch {
		return watchStatus(cf.client(), name, *asJSON)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := cf.client().Status(ctx, name, *trace)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	return printStatus(os.Stdout, st, time.Now())
}

// watchStatus prints every change until Ctrl-C: a table with a time
// stamp, or one JSON array per line for scripts.
func watchStatus(c *ctl.Client, name string, asJSON bool) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	enc := json.NewEncoder(os.Stdout)
	return c.Watch(ctx, name, func(st []ctl.Status) error {
		if asJSON {
			return enc.Encode(st)
		}
		fmt.Printf("--- %s\n", time.Now().Format("15:04:05"))
		return printStatus(os.Stdout, st, time.Now())
	})
}

// printStatus renders profiles as a table, each followed by its last
// error and trace (when asked for) indented below it.
func printStatus(out io.Writer, st []ctl.Status, now time.Time) error {
	if len(st) == 0 {
		_, err := fmt.Fprintln(out, "no profiles loaded (put *.toml files in the daemon's profile directory and send it SIGHUP)")
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tSTATE\tSINCE\tGATEWAY\tADDRESSES\tCONNECT")
	for _, s := range st {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.Profile, stateText(s, now), sinceText(s.Since, now), dash(s.Gateway), addrsText(s), s.Connect)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range st {
		printDetails(out, s, now)
	}
	return nil
}

func printDetails(out io.Writer, s ctl.Status, now time.Time) {
	traffic := s.PacketsIn+s.PacketsOut > 0
	if s.LastError == "" && len(s.Trace) == 0 && len(s.Track) == 0 && s.Banner == "" && s.KeyExchange == "" && !traffic {
		return
	}
	fmt.Fprintf(out, "\n%s:\n", s.Profile)
	if s.KeyExchange != "" {
		fmt.Fprintf(out, "  key exchange: %s\n", kexText(s.KeyExchange))
	}
	if s.Banner != "" {
		fmt.Fprintf(out, "  banner: %s\n", oneLine(printable(s.Banner)))
	}
	for _, o := range s.Track {
		fmt.Fprintf(out, "  track %s: %s since %s: %s\n", o.Name, o.State, sinceText(o.Since, now), oneLine(o.Reason))
	}
	if traffic {
		fmt.Fprintf(out, "  traffic: in %d packets (%s), out %d packets (%s)\n",
			s.PacketsIn, ctl.FormatBytes(s.BytesIn), s.PacketsOut, ctl.FormatBytes(s.BytesOut))
	}
	if s.LastError != "" {
		fmt.Fprintf(out, "  last error: %s\n", s.LastError)
	}
	for _, e := range s.Trace {
		line := fmt.Sprintf("  %s  %-10s  %s", e.Time.Local().Format("15:04:05"), e.State, oneLine(e.Message))
		if e.Gateway != "" {
			line += "  [" + e.Gateway + "]"
		}
		if e.Err != "" {
			line += ": " + oneLine(e.Err)
		}
		fmt.Fprintln(out, line)
	}
}

// kexText says in words whether the keys resist a quantum computer, so
// that a user need not know which names are post-quantum.
func kexText(kex string) string {
	kex = oneLine(printable(kex))
	if strings.Contains(kex, "ML-KEM") {
		return kex + " (post-quantum)"
	}
	return kex + " (classic)"
}

func stateText(s ctl.Status, now time.Time) string {
	switch {
	case s.DefaultRoute:
		return s.State + " (default route)"
	case !s.RetryAt.IsZero() && s.RetryAt.After(now):
		return fmt.Sprintf("%s (retry in %s)", s.State, s.RetryAt.Sub(now).Round(time.Second))
	case !s.RetryAt.IsZero():
		return s.State + " (retrying)"
	}
	return s.State
}

func sinceText(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return fmt.Sprintf("%s (%s)", t.Local().Format("15:04:05"), now.Sub(t).Round(time.Second))
}

func addrsText(s ctl.Status) string {
	if len(s.Addrs) == 0 {
		return "-"
	}
	parts := make([]string, len(s.Addrs))
	for i, a := range s.Addrs {
		parts[i] = a.String()
	}
	return strings.Join(parts, ",")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneLine keeps a gateway-supplied message from breaking the layout.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
