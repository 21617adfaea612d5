package main

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"flexvpn/client/ctl"
)

// bannerBackend reports one connected profile with the gateway's banner.
type bannerBackend struct{ banner, kex string }

func (bannerBackend) Up(string) error   { return nil }
func (bannerBackend) Down(string) error { return nil }
func (b bannerBackend) Status(name string, _ bool) ([]ctl.Status, error) {
	return []ctl.Status{{Profile: name, State: "connected", Gateway: "gw1", Banner: b.banner, KeyExchange: b.kex}}, nil
}

// TestUpShowsBanner: `up --wait` shows the gateway's banner under the
// connected line, without the terminal escapes a gateway could slip in.
func TestUpShowsBanner(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ctl.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	srv := &ctl.Server{Backend: bannerBackend{banner: "Authorized use only.\r\n\n\x1b[2JWelcome to HQ\n"}}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	var out strings.Builder
	if err := waitUp(context.Background(), &ctl.Client{Path: path}, "corp", time.Second, 5*time.Millisecond, &out); err != nil {
		t.Fatal(err)
	}
	want := "corp: connected via gw1\n  Authorized use only.\n  [2JWelcome to HQ\n"
	if out.String() != want {
		t.Errorf("printed %q, want %q", out.String(), want)
	}
}

// TestUpShowsKeyExchange: `up --wait` says whether the new tunnel's keys
// are post-quantum.
func TestUpShowsKeyExchange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ctl.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	srv := &ctl.Server{Backend: bannerBackend{kex: "x25519 + ML-KEM-768"}}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	var out strings.Builder
	if err := waitUp(context.Background(), &ctl.Client{Path: path}, "corp", time.Second, 5*time.Millisecond, &out); err != nil {
		t.Fatal(err)
	}
	if want := "corp: connected via gw1, key exchange x25519 + ML-KEM-768 (post-quantum)\n"; out.String() != want {
		t.Errorf("printed %q, want %q", out.String(), want)
	}
}
