//go:build linux

package ctlsock

import (
	"net"
	"os"
	"path/filepath"
	"testing"
)

func TestPolicy(t *testing.T) {
	cases := []struct {
		pol  Policy
		peer Peer
		want bool
	}{
		{Policy{GID: -1}, Peer{UID: 0}, true},
		{Policy{GID: -1}, Peer{UID: 1000, GID: 1000}, false},
		{Policy{GID: 1001}, Peer{UID: 1000, GID: 1001}, true},
		{Policy{GID: 1001}, Peer{UID: 1000, GID: 1000}, false},
		{Policy{GID: 1001}, Peer{UID: 1000, GID: 1000, Groups: []int{27, 1001}}, true}, // usermod -aG
		{Policy{GID: 1001}, Peer{UID: 1000, GID: 1000, Groups: []int{27}}, false},
		{Policy{GID: -1}, Peer{UID: 1000, GID: 1000, Groups: []int{0}}, false}, // group root is no root
	}
	for _, c := range cases {
		if got := c.pol.Allowed(c.peer); got != c.want {
			t.Errorf("%+v.Allowed(%+v) = %v", c.pol, c.peer, got)
		}
	}
}

// TestSocketModeAndPeerCheck creates a real socket and checks its mode and
// that our own connection is admitted with our real credentials, or
// refused when the policy excludes us.
func TestSocketModeAndPeerCheck(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ctl.sock")

	ln, err := Listen(path, Policy{GID: os.Getgid()})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o660 {
		t.Errorf("mode %04o, want 0660", st.Mode().Perm())
	}
	accepted := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Close()
		}
		accepted <- err
	}()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if err := <-accepted; err != nil {
		t.Fatalf("own connection refused: %v", err)
	}

	// A peer the policy does not admit is refused. Tests run as root, so the
	// foreign credentials come from a substitute source.
	ln.peer = func(net.Conn) (Peer, error) { return Peer{UID: 4242, GID: 4242}, nil }
	var denied []Peer
	ln.Denied = func(p Peer, err error) { denied = append(denied, p) }
	go func() {
		c, err := net.Dial("unix", path)
		if err == nil {
			buf := make([]byte, 1)
			c.Read(buf) // returns when the server closes it
			c.Close()
		}
		ln.Close()
	}()
	if _, err := ln.Accept(); err == nil {
		t.Fatal("a foreign peer was accepted")
	}
	if len(denied) != 1 || denied[0].UID != 4242 {
		t.Errorf("denied = %+v", denied)
	}
}

func TestStaleSocketReplacedButNotOtherFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ctl.sock")
	ln, err := Listen(path, Policy{GID: -1})
	if err != nil {
		t.Fatal(err)
	}
	ln.Listener.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	ln, err = Listen(path, Policy{GID: -1})
	if err != nil {
		t.Fatalf("stale socket not replaced: %v", err)
	}
	ln.Close()

	plain := filepath.Join(dir, "plain")
	os.WriteFile(plain, []byte("keep me"), 0o600)
	if _, err := Listen(plain, Policy{GID: -1}); err == nil {
		t.Fatal("a regular file was replaced by the socket")
	}
	if b, _ := os.ReadFile(plain); string(b) != "keep me" {
		t.Fatal("regular file damaged")
	}
}
