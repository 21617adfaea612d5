// Command flexvpn is the flexvpn client daemon, its control CLI and the
// bundled minimal FlexVPN server, in one static binary.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
)

// command is one subcommand: its one-line help and its entry point.
type command struct {
	help string
	run  func(args []string) error
}

var commands = map[string]command{}

// version is stamped at build time (make build VERSION=...; the packages
// carry the same string).
var version = "development"

func register(name, help string, run func(args []string) error) {
	commands[name] = command{help: help, run: run}
}

func main() {
	register("version", "print the version", func([]string) error { fmt.Println("flexvpn", version); return nil })
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	cmd, ok := commands[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "flexvpn: unknown command %q\n", os.Args[1])
		usage()
		os.Exit(2)
	}
	if err := cmd.run(os.Args[2:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(os.Stderr, "flexvpn %s: %v\n", os.Args[1], err)
		}
		os.Exit(1)
	}
}

func usage() {
	var names []string
	for n, c := range commands {
		if !strings.HasPrefix(c.help, "(") { // "(demo) ..." helpers stay out of the list
			names = append(names, n)
		}
	}
	sort.Strings(names)
	fmt.Fprintln(os.Stderr, "usage: flexvpn <command> [flags]\n\ncommands:")
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-10s %s\n", n, commands[n].help)
	}
}

// newLogger logs text to stderr; verbose adds debug messages.
func newLogger(verbose bool) *slog.Logger {
	level := slog.LevelInfo
	if verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}
