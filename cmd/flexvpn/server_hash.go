package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"

	"flexvpn/tunnel/ike/eap"
)

// `flexvpn server nthash` and `hash-password` turn a password into what
// the server configuration stores: the NT hash for MS-CHAPv2 (nt_hash)
// and an argon2id hash for GTC (gtc_hash). The password is read without
// echo on a terminal (twice, to catch typos), else as one line of stdin.

func runServerNTHash(args []string) error {
	pw, err := passwordArg("nthash", args)
	if err != nil {
		return err
	}
	fmt.Println(hex.EncodeToString(eap.NTHash(pw)))
	return nil
}

func runServerHashPassword(args []string) error {
	pw, err := passwordArg("hash-password", args)
	if err != nil {
		return err
	}
	h, err := eap.HashPassword(pw, rand.Reader)
	if err != nil {
		return err
	}
	fmt.Println(string(h))
	return nil
}

func passwordArg(name string, args []string) (string, error) {
	fs := flag.NewFlagSet("server "+name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: flexvpn server %s   (reads the password from the terminal or stdin)\n", name)
	}
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return "", errors.New("the password is read from stdin, never from the command line (it would show in ps)")
	}
	return readNewPassword(os.Stdin)
}

func readNewPassword(f *os.File) (string, error) {
	if !isTerminal(f) {
		pw, err := readLine(f)
		if pw == "" {
			return "", errors.New("no password on stdin")
		}
		if err != nil && pw == "" {
			return "", err
		}
		return pw, nil
	}
	fmt.Fprint(os.Stderr, "Password: ")
	pw, err := readPassword(f)
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return "", err
	}
	fmt.Fprint(os.Stderr, "Again: ")
	again, err := readPassword(f)
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return "", err
	}
	if pw != again || pw == "" {
		return "", errors.New("the passwords differ or are empty")
	}
	return pw, nil
}
