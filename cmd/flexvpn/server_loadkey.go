package main

import (
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"flexvpn/server"
)

// `flexvpn server load-key` makes and shows the Ed25519 keys gateways
// sign their load reports with: --out writes a fresh private key for
// [redirect] load_key_file, --pub prints the public key of one, the line
// the other gateways paste into their load_peers.

func runServerLoadKey(args []string) error {
	fs := flag.NewFlagSet("server load-key", flag.ContinueOnError)
	out := fs.String("out", "", "write a new private key to `FILE` (mode 0600; never overwrites)")
	pub := fs.String("pub", "", "print the public key of the private key in `FILE`")
	id := fs.String("id", "", "this gateway's `NAME` in its peers' gateways lists (its load_id): print a whole load_peers entry")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: flexvpn server load-key --out FILE [--id NAME]\n       flexvpn server load-key --pub FILE [--id NAME]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*out == "") == (*pub == "") || fs.NArg() > 0 {
		fs.Usage()
		return errors.New("give exactly one of --out and --pub")
	}
	key, err := loadKeyFor(*out, *pub)
	if err != nil {
		return err
	}
	printLoadPeerLine(os.Stdout, os.Stderr, key, *id)
	return nil
}

// loadKeyFor writes a new key to out, or reads the one in pub.
func loadKeyFor(out, pub string) (ed25519.PublicKey, error) {
	if out != "" {
		return writeLoadKey(out)
	}
	b, err := os.ReadFile(pub)
	if err != nil {
		return nil, err
	}
	priv, err := server.ParseLoadKeyPEM(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pub, err)
	}
	return priv.Public().(ed25519.PublicKey), nil
}

// writeLoadKey creates path with a fresh key, mode 0600 from the start
// (never a moment readable by others) and only if it does not exist: an
// overwritten key would silently cut this gateway off from its peers.
func writeLoadKey(path string) (ed25519.PublicKey, error) {
	pemBytes, pub, err := server.NewLoadKeyPEM()
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("%s exists; not overwriting a load key (its public key is in the peers' configs: flexvpn server load-key --pub %s)", path, path)
	}
	if err != nil {
		return nil, err
	}
	if _, err = f.Write(pemBytes); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	return pub, nil
}

// printLoadPeerLine prints what the peers paste (a whole load_peers entry
// when the gateway's name is known) on out, and where it goes on hint.
func printLoadPeerLine(out, hint io.Writer, pub ed25519.PublicKey, id string) {
	key := server.FormatLoadPublicKey(pub)
	if id == "" {
		fmt.Fprintln(out, key)
		fmt.Fprintf(hint, "In each other gateway's [redirect], add to load_peers under this gateway's load_id:\n  load_peers = { \"THIS-GATEWAY\" = %q }\n", key)
		return
	}
	fmt.Fprintf(out, "%q = %q\n", id, key)
	fmt.Fprintln(hint, "Add this entry to load_peers in each other gateway's [redirect].")
}
