//go:build linux

package ctlsock

import (
	"bufio"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// dialEnv makes the test binary a client that dials the socket named by
// the variable, prints what the server sends and exits.
const dialEnv = "CTLSOCK_TEST_DIAL"

func TestMain(m *testing.M) {
	if path := os.Getenv(dialEnv); path != "" {
		os.Exit(dialAndPrint(path))
	}
	os.Exit(m.Run())
}

func dialAndPrint(path string) int {
	c, err := net.Dial("unix", path)
	if err != nil {
		os.Stdout.WriteString("dial: " + err.Error())
		return 1
	}
	defer c.Close()
	b, _ := io.ReadAll(bufio.NewReader(c))
	os.Stdout.Write(b)
	return 0
}

// TestSupplementaryGroupAdmitted: a user added to the allowed group with
// `usermod -aG` has it as a supplementary group, not as the primary one;
// the kernel's SO_PEERGROUPS must let that user in, and a user without
// the group must still be refused.
func TestSupplementaryGroupAdmitted(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run a client under other credentials")
	}
	const allowed, nobody = 4242, 65534
	dir, err := os.MkdirTemp("", "ctlsock-groups-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// The test binary's own directory is private: run a copy.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "client")
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "ctl.sock")
	ln, err := Listen(path, Policy{GID: allowed})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("welcome"))
			c.Close()
		}
	}()
	run := func(groups []uint32) string {
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), dialEnv+"="+path)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody, Groups: groups}}
		out, _ := cmd.Output()
		return string(out)
	}
	if got := run([]uint32{allowed}); got != "welcome" {
		t.Errorf("member by supplementary group: got %q, want the server's welcome", got)
	}
	if got := run(nil); got == "welcome" {
		t.Error("a user without the group was admitted")
	}
}
