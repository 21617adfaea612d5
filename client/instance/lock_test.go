//go:build unix

package instance

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestSecondInstanceIsRefusedWithTheHolderNamed(t *testing.T) {
	dir := t.TempDir()
	l, err := Acquire(dir, Holder{Kind: KindConnect, Profile: "corp"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	_, err = Acquire(dir, Holder{Kind: KindDaemon})
	var be *BusyError
	if !errors.As(err, &be) || !errors.Is(err, ErrBusy) {
		t.Fatalf("second Acquire = %v, want a BusyError", err)
	}
	want := "flexvpn connect (profile corp, pid " + strconv.Itoa(os.Getpid()) + ")"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name %q", err, want)
	}
}

func TestReleaseRemovesTheFileAndFreesTheLock(t *testing.T) {
	dir := t.TempDir()
	l, err := Acquire(dir, Holder{Kind: KindDaemon})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(); err != nil {
		t.Fatalf("second Release: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 0 {
		t.Errorf("files left after release: %v", left)
	}
	l2, err := Acquire(dir, Holder{Kind: KindConnect})
	if err != nil {
		t.Fatalf("Acquire after release: %v", err)
	}
	l2.Release()
}

// TestLockOfAKilledHolderIsTakenOver: a holder killed with SIGKILL
// releases nothing itself and leaves its file, but the kernel dropped
// its lock: the next instance takes over (and may clean up after it).
func TestLockOfAKilledHolderIsTakenOver(t *testing.T) {
	dir := t.TempDir()
	cmd, pid := startHolder(t, dir)
	_, err := Acquire(dir, Holder{Kind: KindDaemon})
	if want := "flexvpn connect (profile held, pid " + strconv.Itoa(pid) + ")"; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Acquire while the holder lives = %v, want it named as %q", err, want)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if _, err := os.Stat(filepath.Join(dir, FileName)); err != nil {
		t.Fatalf("the killed holder's file is gone (%v): the test would prove nothing", err)
	}
	l, err := Acquire(dir, Holder{Kind: KindDaemon})
	if err != nil {
		t.Fatalf("Acquire after the holder died: %v", err)
	}
	defer l.Release()
	b, _ := os.ReadFile(l.Path())
	if h, ok := parseHolder(b); !ok || h.Kind != KindDaemon || h.PID != os.Getpid() {
		t.Errorf("lock file %q does not name the new holder", b)
	}
}

// startHolder runs this test binary as a process that holds the lock in
// dir until killed.
func startHolder(t *testing.T, dir string) (*exec.Cmd, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldLock$")
	cmd.Env = append(os.Environ(), "INSTANCE_TEST_HOLD="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if !strings.HasPrefix(line, "locked") {
		t.Fatalf("holder did not lock: %q %v", line, err)
	}
	return cmd, cmd.Process.Pid
}

// TestHelperHoldLock is the holder process of startHolder; it does
// nothing in a normal run.
func TestHelperHoldLock(t *testing.T) {
	dir := os.Getenv("INSTANCE_TEST_HOLD")
	if dir == "" {
		t.Skip("helper process for TestLockOfAKilledHolderIsTakenOver")
	}
	if _, err := Acquire(dir, Holder{Kind: KindConnect, Profile: "held"}); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("locked\n")
	select {}
}

// TestUnreadableHolderStillRefuses: a lock file that does not name its
// holder (written by something else, or caught half written) still
// refuses while it is locked.
func TestUnreadableHolderStillRefuses(t *testing.T) {
	dir := t.TempDir()
	l, err := Acquire(dir, Holder{Kind: KindDaemon})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	os.WriteFile(l.Path(), []byte("garbage"), 0o644)
	_, err = Acquire(dir, Holder{Kind: KindConnect})
	var be *BusyError
	if !errors.As(err, &be) || be.Known || !strings.Contains(err.Error(), "another flexvpn instance") {
		t.Fatalf("Acquire = %v, want a BusyError with an unknown holder", err)
	}
}
