package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"flexvpn/client/ctl/daemon"
	"flexvpn/client/instance"
)

// hostSandbox points the instance lock at a temporary directory and
// records the crash cleanup's commands instead of running them.
type hostSandbox struct {
	dir  string
	mu   sync.Mutex
	cmds []string
}

func newHostSandbox(t *testing.T) *hostSandbox {
	t.Helper()
	s := &hostSandbox{dir: t.TempDir()}
	oldDir, oldCleanup := runDir, systemCleanup
	runDir = filepath.Join(s.dir, "run")
	systemCleanup = func() daemon.Cleanup {
		return daemon.Cleanup{
			ResolvConf: filepath.Join(s.dir, "resolv.conf"), Backup: filepath.Join(s.dir, "resolv.conf.orig"),
			Run: func(args ...string) ([]byte, error) {
				s.mu.Lock()
				defer s.mu.Unlock()
				s.cmds = append(s.cmds, strings.Join(args, " "))
				return nil, nil
			},
		}
	}
	t.Cleanup(func() { runDir, systemCleanup = oldDir, oldCleanup })
	return s
}

func (s *hostSandbox) cleaned() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.cmds) > 0
}

// hold takes the lock as another instance would.
func (s *hostSandbox) hold(t *testing.T, h instance.Holder) *instance.Lock {
	t.Helper()
	l, err := instance.Acquire(runDir, h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Release() })
	return l
}

// TestDaemonRefusesWhileConnectRuns: the daemon's start-up cleanup used
// to flush routing table 5300 under a running `flexvpn connect`. Now it
// refuses before cleaning anything, naming the connect and what to do.
func TestDaemonRefusesWhileConnectRuns(t *testing.T) {
	s := newHostSandbox(t)
	s.hold(t, instance.Holder{Kind: instance.KindConnect, Profile: "corp", PID: 4242})
	err := runDaemon([]string{"--socket", filepath.Join(s.dir, "ctl.sock"), "--profiles", s.dir})
	if err == nil || !strings.Contains(err.Error(), "flexvpn connect (profile corp, pid 4242)") ||
		!strings.Contains(err.Error(), "kill 4242") {
		t.Fatalf("daemon start = %v, want a refusal naming the connect", err)
	}
	if s.cleaned() {
		t.Errorf("the refused daemon cleaned up: %v", s.cmds)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "ctl.sock")); err == nil {
		t.Error("the refused daemon created its control socket")
	}
}

// TestConnectRefusesWhileDaemonRuns: a second instance refuses with the
// running one named and the way to connect through it.
func TestConnectRefusesWhileDaemonRuns(t *testing.T) {
	s := newHostSandbox(t)
	s.hold(t, instance.Holder{Kind: instance.KindDaemon, PID: 77})
	prof := filepath.Join(s.dir, "corp.toml")
	os.WriteFile(filepath.Join(s.dir, "corp.secrets"), []byte("psk = \"0123456789abcdef\"\n"), 0o600)
	os.WriteFile(prof, []byte("[[peer]]\nhost = \"192.0.2.1\"\n[auth]\nmethod = \"psk\"\nidentity = \"r1.example.com\"\nsecrets_file = \"corp.secrets\"\n"), 0o644)
	err := runConnect([]string{"-profile", prof})
	if err == nil || !strings.Contains(err.Error(), "flexvpn daemon (pid 77)") || !strings.Contains(err.Error(), "flexvpn up") {
		t.Fatalf("connect = %v, want a refusal naming the daemon", err)
	}
	if s.cleaned() {
		t.Errorf("the refused connect cleaned up: %v", s.cmds)
	}
}

// TestCleanupOnlyAfterTheInstanceIsGone: `flexvpn cleanup` leaves a live
// connect's state alone (it has no socket to ask), and cleans up once
// the lock is free, leaving no lock file behind.
func TestCleanupOnlyAfterTheInstanceIsGone(t *testing.T) {
	s := newHostSandbox(t)
	sock := filepath.Join(s.dir, "ctl.sock")
	l := s.hold(t, instance.Holder{Kind: instance.KindConnect, Profile: "corp"})
	err := runCleanup([]string{"--socket", sock})
	if err == nil || !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) || s.cleaned() {
		t.Fatalf("cleanup while connect runs = %v (cleaned: %v)", err, s.cleaned())
	}
	l.Release()
	if err := runCleanup([]string{"--socket", sock}); err != nil {
		t.Fatalf("cleanup after connect ended: %v", err)
	}
	if !s.cleaned() {
		t.Error("cleanup did not clean up")
	}
	if left, _ := filepath.Glob(filepath.Join(runDir, "*")); len(left) != 0 {
		t.Errorf("cleanup left %v", left)
	}
}

// TestCleanupForceIgnoresTheLock: --force is the way out when the user
// knows better (it skips the socket check already).
func TestCleanupForceIgnoresTheLock(t *testing.T) {
	s := newHostSandbox(t)
	s.hold(t, instance.Holder{Kind: instance.KindConnect, Profile: "corp"})
	if err := runCleanup([]string{"--socket", filepath.Join(s.dir, "ctl.sock"), "--force"}); err != nil || !s.cleaned() {
		t.Fatalf("cleanup --force = %v, cleaned %v", err, s.cleaned())
	}
}
