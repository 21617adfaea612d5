package netns

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// nsMarker starts every namespace name we create: "fv<pid>x<seq>-...".
const nsMarker = "fv"

// tempMarker starts temporary directories we create: "fvtmp<pid>x-...".
const tempMarker = "fvtmp"

// runIP runs ip(8) in the current namespace and returns its output.
func runIP(args ...string) (string, error) {
	out, err := exec.Command("ip", args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// sweepStale deletes namespaces left by an earlier test binary that died
// before its cleanup ran. The owner pid is in the name; namespaces of
// live processes (tests of other packages running in parallel) are kept.
func sweepStale(t testing.TB) {
	out, err := runIP("netns", "list")
	if err != nil {
		return
	}
	for _, line := range strings.Split(out, "\n") {
		name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		pid, ok := ownerPID(name)
		if !ok || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		if err := deleteNS(name); err != nil {
			t.Logf("netns: sweeping stale %s: %v", name, err)
		} else {
			t.Logf("netns: swept stale namespace %s from dead pid %d", name, pid)
		}
	}
}

// sweepStaleDirs removes temporary directories (strongSwan instances,
// builds) of dead test binaries.
func sweepStaleDirs(t testing.TB) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), tempMarker+"*"))
	for _, d := range dirs {
		rest := strings.TrimPrefix(filepath.Base(d), tempMarker)
		pid, ok := ownerPID(nsMarker + rest)
		if !ok || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		if err := os.RemoveAll(d); err != nil {
			t.Logf("netns: sweeping %s: %v", d, err)
		}
	}
}

// ownerPID extracts the creating pid from "fv<pid>x<seq>-...".
func ownerPID(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, nsMarker)
	if !ok {
		return 0, false
	}
	digits, _, ok := strings.Cut(rest, "x")
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(digits)
	return pid, err == nil && pid > 0
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// deleteNS kills every process in the namespace, then deletes it.
func deleteNS(name string) error {
	if out, err := runIP("netns", "pids", name); err == nil {
		for _, f := range strings.Fields(out) {
			if pid, err := strconv.Atoi(f); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
	if out, err := runIP("netns", "del", name); err != nil {
		return fmt.Errorf("delete %s: %w: %s", name, err, out)
	}
	return nil
}
