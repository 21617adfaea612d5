//go:build linux

package service

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// listen stands in for systemd: a datagram socket the notifier writes to.
func listen(t *testing.T) (*net.UnixConn, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify.sock")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, path
}

func recv(t *testing.T, c *net.UnixConn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	return string(buf[:n])
}

func TestNotifyMessages(t *testing.T) {
	c, path := listen(t)
	t.Setenv("NOTIFY_SOCKET", path)
	n := FromEnv()
	if n == nil || os.Getenv("NOTIFY_SOCKET") != "" {
		t.Fatal("FromEnv did not take (and clear) NOTIFY_SOCKET")
	}
	n.Ready()
	n.Status("2 profiles\nup")
	n.Stopping()
	for _, want := range []string{"READY=1", "STATUS=2 profiles up", "STOPPING=1"} {
		if got := recv(t, c); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	if err := n.Notify("no equals sign"); err != ErrBadState {
		t.Errorf("malformed state sent: %v", err)
	}
}

func TestAbstractSocket(t *testing.T) {
	name := "@flexvpn-test-" + strconv.Itoa(os.Getpid())
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Skipf("abstract sockets unavailable: %v", err)
	}
	defer c.Close()
	if err := New(name).Ready(); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, c); got != "READY=1" {
		t.Fatalf("got %q", got)
	}
}

func TestNilNotifierIsNoop(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	n := FromEnv()
	if n != nil {
		t.Fatal("notifier without NOTIFY_SOCKET")
	}
	if err := n.Ready(); err != nil {
		t.Fatal(err)
	}
	n.RunWatchdog(context.Background(), time.Millisecond, nil) // returns at once
}

func TestWatchdog(t *testing.T) {
	t.Setenv("WATCHDOG_USEC", "2000000")
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
	if d, ok := WatchdogInterval(); !ok || d != time.Second {
		t.Fatalf("interval %v %v, want 1s", d, ok)
	}
	t.Setenv("WATCHDOG_PID", "1")
	if _, ok := WatchdogInterval(); ok {
		t.Fatal("watchdog meant for another process was taken")
	}
	t.Setenv("WATCHDOG_USEC", "")
	if _, ok := WatchdogInterval(); ok {
		t.Fatal("watchdog on without WATCHDOG_USEC")
	}

	c, path := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	healthy := make(chan bool, 1)
	healthy <- false
	done := make(chan struct{})
	go func() {
		New(path).RunWatchdog(ctx, 10*time.Millisecond, func() bool {
			select {
			case h := <-healthy:
				return h
			default:
				return true
			}
		})
		close(done)
	}()
	if got := recv(t, c); got != "WATCHDOG=1" {
		t.Fatalf("got %q", got)
	}
	cancel()
	<-done
}
