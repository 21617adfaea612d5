package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"flexvpn/client/ctl"
)

func init() {
	register("up", "start a profile in the daemon: up NAME [--wait 30s]", runUp)
}

// ctlFlags are the flags every control command shares.
type ctlFlags struct {
	fs     *flag.FlagSet
	socket *string
}

func newCtlFlags(name string) ctlFlags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	return ctlFlags{fs: fs, socket: fs.String("socket", ctl.DefaultSocket, "control socket of the daemon")}
}

// parse accepts flags before and after the positional arguments
// (`up corp --wait 1m` and `up --wait 1m corp`).
func (c ctlFlags) parse(args []string) ([]string, error) {
	var pos []string
	for {
		if err := c.fs.Parse(args); err != nil {
			return nil, err
		}
		if c.fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, c.fs.Arg(0))
		args = c.fs.Args()[1:]
	}
}

func (c ctlFlags) client() *ctl.Client { return &ctl.Client{Path: *c.socket} }

func runUp(args []string) error {
	cf := newCtlFlags("up")
	wait := cf.fs.Duration("wait", 30*time.Second, "wait this long for the tunnel to come up (0: return at once)")
	pos, err := cf.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: flexvpn up NAME [--wait 30s]")
	}
	ctx, cancel := context.WithTimeout(context.Background(), *wait+10*time.Second)
	defer cancel()
	c := cf.client()
	if err := c.Up(ctx, pos[0]); err != nil {
		return err
	}
	if *wait <= 0 {
		fmt.Printf("%s: starting\n", pos[0])
		return nil
	}
	return waitUp(ctx, c, pos[0], *wait, 200*time.Millisecond, os.Stdout)
}

// waitUp polls the profile until it is connected, failed, or wait ends,
// and says what happened in one line.
func waitUp(ctx context.Context, c *ctl.Client, name string, wait, every time.Duration, out io.Writer) error {
	deadline := time.Now().Add(wait)
	for {
		st, err := c.Status(ctx, name, false)
		if err != nil {
			return err
		}
		s := st[0]
		switch s.State {
		case "connected":
			fmt.Fprintf(out, "%s: connected%s%s\n", name, via(s), kexSuffix(s.KeyExchange))
			printBanner(out, s.Banner)
			return nil
		case "failed", "idle":
			return fmt.Errorf("%s is %s: %s", name, s.State, orUnknown(s.LastError))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s still %s after %v; last error: %s (see `flexvpn status --trace %s`)", name, s.State, wait, orUnknown(s.LastError), name)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(every):
		}
	}
}

// via renders " via GATEWAY (ADDRS)" for a connected profile.
func via(s ctl.Status) string {
	var b strings.Builder
	if s.Gateway != "" {
		b.WriteString(" via " + s.Gateway)
	}
	if len(s.Addrs) > 0 {
		addrs := make([]string, len(s.Addrs))
		for i, a := range s.Addrs {
			addrs[i] = a.String()
		}
		fmt.Fprintf(&b, " (%s)", strings.Join(addrs, ", "))
	}
	return b.String()
}

// kexSuffix renders ", key exchange KEX (post-quantum|classic)" when the
// daemon knows it.
func kexSuffix(kex string) string {
	if kex == "" {
		return ""
	}
	return ", key exchange " + kexText(kex)
}

func orUnknown(s string) string {
	if s == "" {
		return "none reported"
	}
	return s
}

// printBanner shows the gateway's login banner under the connected line,
// indented, one line per line of the banner.
func printBanner(out io.Writer, banner string) {
	for line := range strings.Lines(printable(banner)) {
		if line = strings.TrimRight(line, "\n"); strings.TrimSpace(line) != "" {
			fmt.Fprintf(out, "  %s\n", line)
		}
	}
}

// printable drops the control characters of a gateway's text but its
// line breaks: the text is untrusted and must not drive the terminal.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r != '\n' && (r < ' ' || r == 0x7f || r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, s)
}
