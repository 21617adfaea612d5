// Command flexvpn is the flexvpn client daemon, its control CLI and the
// bundled minimal FlexVPN server, in one static binary.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	switch os.Args[1] {
	case "demo":
		fmt.Fprintln(os.Stderr, "flexvpn demo: not built yet; the engine, data plane and server are in progress (see README.md)")
		os.Exit(1)
	case "version":
		fmt.Println("flexvpn (development)")
	default:
		fmt.Fprintf(os.Stderr, "flexvpn: unknown command %q\n", os.Args[1])
		usage()
		os.Exit(2)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, `usage: flexvpn <command>

commands:
  version   print the version
(connect, up, down, status, server and demo are being built; see README.md)`)
}
