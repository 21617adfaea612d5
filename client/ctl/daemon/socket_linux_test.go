//go:build linux

package daemon

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"flexvpn/client"
	"flexvpn/client/ctl"
	"flexvpn/platform/ctlsock"
	"flexvpn/platform/router"
)

// TestControlSocket runs the daemon with real client.Conns (fake dialer,
// fake routers) behind a real ctlsock socket and drives it with
// ctl.Client as `flexvpn up/status/down` do.
func TestControlSocket(t *testing.T) {
	dir := t.TempDir()
	writeProfile(t, dir, "corp", "manual", "192.0.2.1")
	dialer := &fakeDialer{}
	var mu sync.Mutex
	var routers []*router.Fake
	d := New(Config{
		Dir: dir,
		Factory: func(b Build) (Tunnel, error) {
			return client.NewConn(client.ConnConfig{
				Profile: b.Profile, Dialer: b.WrapDialer(dialer), Resolver: literalResolver{},
				Applier: b.Applier, Trace: b.Trace, Logger: b.Logger,
			}), nil
		},
		NewRouter: func() router.Router {
			mu.Lock()
			defer mu.Unlock()
			r := &router.Fake{}
			routers = append(routers, r)
			return r
		},
	})
	d.Reload()
	t.Cleanup(func() { d.Shutdown() })
	path := filepath.Join(dir, "ctl.sock")
	c := serve(t, d, path, ctlsock.Policy{GID: os.Getgid()})

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.Up(ctx, "corp"); err != nil {
		t.Fatal(err)
	}
	var st []ctl.Status
	waitFor(t, "corp connected", func() bool {
		var err error
		st, err = c.Status(ctx, "corp", true)
		return err == nil && st[0].State == "connected"
	})
	s := st[0]
	if s.Gateway != "192.0.2.1" || len(s.Addrs) != 1 || s.Addrs[0].String() != "10.8.0.2/32" || !s.DefaultRoute || s.Since.IsZero() ||
		s.BytesIn != 300 || s.PacketsOut != 4 {
		t.Fatalf("status %+v", s)
	}
	if len(s.Trace) == 0 || s.Trace[len(s.Trace)-1].Message != "connected" {
		t.Fatalf("trace %+v", s.Trace)
	}
	if cfg := routers[0].Current(); cfg.Interface != "fv0" || cfg.Table != TableBase || len(cfg.Routes) != 1 {
		t.Fatalf("router config %+v", cfg)
	}
	if err := c.Down(ctx, "corp"); err != nil {
		t.Fatal(err)
	}
	st, _ = c.Status(ctx, "corp", false)
	if st[0].State != "idle" || st[0].DefaultRoute || len(st[0].Addrs) != 0 || st[0].LastError != "" || st[0].BytesIn != 0 {
		t.Fatalf("after down: %+v", st[0])
	}
	if cfg := routers[0].Current(); cfg.Interface != "" {
		t.Fatalf("routes left after down: %+v", cfg)
	}
	if err := c.Up(ctx, "other"); !errors.Is(err, ctl.ErrDaemon) || !strings.Contains(err.Error(), "no such profile") {
		t.Fatalf("up of an unknown profile: %v", err)
	}
}

func serve(t *testing.T, b ctl.Backend, path string, pol ctlsock.Policy) *ctl.Client {
	t.Helper()
	ln, err := ctlsock.Listen(path, pol)
	if err != nil {
		t.Fatal(err)
	}
	srv := &ctl.Server{Backend: b}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return &ctl.Client{Path: path}
}

// TestControlSocketRefusesOthers: a peer outside the policy is hung up on
// before it is served, even when the socket file lets it connect. As
// root the peer is this test binary re-run as nobody; otherwise this
// process is itself the outsider (root-only policy).
func TestControlSocketRefusesOthers(t *testing.T) {
	if os.Getenv("FLEXVPN_CTL_HELPER") != "" {
		t.Skip("helper process")
	}
	dir := t.TempDir()
	b := &countingBackend{}
	path := filepath.Join(dir, "ctl.sock")
	ln, err := ctlsock.Listen(path, ctlsock.Policy{GID: -1})
	if err != nil {
		t.Fatal(err)
	}
	var denied sync.Map
	ln.Denied = func(p ctlsock.Peer, err error) { denied.Store(p.UID, err) }
	srv := &ctl.Server{Backend: b}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	var out string
	if os.Geteuid() != 0 {
		_, err := (&ctl.Client{Path: path}).Status(context.Background(), "", false)
		out = errString(err)
	} else {
		out = runAsNobody(t, dir, path)
	}
	if !strings.Contains(out, "hung up without answering") {
		t.Fatalf("outsider got %q, want a hang-up", out)
	}
	uid := os.Geteuid()
	if uid == 0 {
		uid = 65534
	}
	if _, ok := denied.Load(uid); !ok {
		t.Fatalf("uid %d not reported as denied", uid)
	}
	if n := b.calls.Load(); n != 0 {
		t.Fatalf("backend served an outsider %d times", n)
	}
}

// runAsNobody opens the socket and the test binary to everyone and runs
// TestHelperClient as uid/gid 65534; it returns the helper's output.
func runAsNobody(t *testing.T, dir, sock string) string {
	t.Helper()
	for p := dir; p != os.TempDir() && p != "/"; p = filepath.Dir(p) {
		os.Chmod(p, 0o755)
	}
	os.Chmod(sock, 0o666) // only the peer check stands in the way now
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "helper.test")
	copyFile(t, self, bin)
	cmd := exec.Command(bin, "-test.run=^TestHelperClient$", "-test.v")
	cmd.Env = append(os.Environ(), "FLEXVPN_CTL_HELPER="+sock)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, b)
	}
	return string(b)
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestHelperClient is the outsider of TestControlSocketRefusesOthers.
func TestHelperClient(t *testing.T) {
	sock := os.Getenv("FLEXVPN_CTL_HELPER")
	if sock == "" {
		t.Skip("only runs as the helper of TestControlSocketRefusesOthers")
	}
	_, err := (&ctl.Client{Path: sock}).Status(context.Background(), "", false)
	t.Logf("client: %s", errString(err))
}

func errString(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}

type countingBackend struct{ calls atomic.Int32 }

func (b *countingBackend) Up(string) error   { b.calls.Add(1); return nil }
func (b *countingBackend) Down(string) error { b.calls.Add(1); return nil }
func (b *countingBackend) Status(string, bool) ([]ctl.Status, error) {
	b.calls.Add(1)
	return nil, nil
}
