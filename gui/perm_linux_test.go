package gui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"flexvpn/client/ctl"
	"flexvpn/platform/ctlsock"
)

// helperEnv names the socket a re-executed test binary connects to;
// helperWant says what it must see there ("refused" or "member").
const (
	helperEnv  = "FLEXVPN_GUI_TEST_SOCKET"
	helperWant = "FLEXVPN_GUI_TEST_WANT"
)

// TestSocketModeRefusesUser: a user without write access to the control
// socket (not in the flexvpn group) is told how to get in. As root the
// check runs in a copy of this test binary run as nobody.
func TestSocketModeRefusesUser(t *testing.T) {
	dir := sharedTempDir(t)
	path := filepath.Join(dir, "ctl.sock")
	serveFake(t, newFakeDaemon("corp"), path)
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		// Our own uid owns the socket; 0o000 keeps even us out.
		if err := os.Chmod(path, 0); err != nil {
			t.Fatal(err)
		}
		checkRefused(t, path)
		return
	}
	out, err := runAsNobody(t, dir, path, "refused")
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Skipf("cannot run a copy of the test binary as nobody (noexec %s?): %v", dir, err)
	}
	if err != nil {
		t.Fatalf("helper as nobody: %v\n%s", err, out)
	}
	if !strings.Contains(out, "add yourself to the flexvpn group") {
		t.Fatalf("helper as nobody said:\n%s", out)
	}
}

// TestHelperRefused is the re-executed half of TestSocketModeRefusesUser
// and TestSupplementaryGroupMember.
func TestHelperRefused(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		t.Skip("helper of TestSocketModeRefusesUser; runs only re-executed by it")
	}
	if os.Getenv(helperWant) == "member" {
		checkMember(t, path)
		return
	}
	checkRefused(t, path)
}

// TestSupplementaryGroupMember: `usermod -aG flexvpn` makes the group a
// supplementary one. The socket's mode lets such a user in; if the
// daemon's peer check then refuses, the user is told the workaround, not
// to join a group they are in.
func TestSupplementaryGroupMember(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a process with chosen groups")
	}
	const group = 4242
	dir := sharedTempDir(t)
	path := filepath.Join(dir, "ctl.sock")
	ln, err := ctlsock.Listen(path, ctlsock.Policy{GID: group})
	if err != nil {
		t.Fatal(err)
	}
	srv := &ctl.Server{Backend: newFakeDaemon("corp")}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	out, err := runAsNobody(t, dir, path, "member", group)
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Skipf("cannot run a copy of the test binary as nobody (noexec %s?): %v", dir, err)
	}
	if err != nil {
		t.Fatalf("helper as nobody in group %d: %v\n%s", group, err, out)
	}
	t.Logf("as a supplementary member of the socket's group:\n%s", out)
}

// checkMember clicks connect as a supplementary member of the socket's
// group: the daemon accepts it, or the error names the workaround.
func checkMember(t *testing.T, path string) {
	m := NewModel(Options{Client: &ctl.Client{Path: path}})
	err := m.Connect(context.Background(), "corp")
	if err != nil && !errors.Is(err, ErrPrimaryGroupOnly) {
		t.Fatalf("connect as a member of the socket's group: %v", err)
	}
	fmt.Println("connect:", err)
}

// checkRefused clicks connect as a user the socket refuses.
func checkRefused(t *testing.T, path string) {
	m := NewModel(Options{Client: &ctl.Client{Path: path}})
	err := m.Connect(context.Background(), "corp")
	if !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("connect as a refused user: %v", err)
	}
	fmt.Println(err)
}

// sharedTempDir is a temp dir that other users may enter.
func sharedTempDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "flexvpn-gui-perm-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runAsNobody runs TestHelperRefused from a copy of this test binary that
// nobody may execute, as uid/gid 65534 with the supplementary groups.
func runAsNobody(t *testing.T, dir, path, want string, groups ...uint32) (string, error) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "gui.test")
	if err := copyFile(self, bin); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestHelperRefused$", "-test.v")
	cmd.Env = append(os.Environ(), helperEnv+"="+path, helperWant+"="+want)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534, Groups: groups}}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
