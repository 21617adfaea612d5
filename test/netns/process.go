package netns

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// stopGrace is how long a stopped process may take to exit on SIGTERM
// before it gets SIGKILL.
const stopGrace = 5 * time.Second

// logTail is how much of a process log a failing test prints.
const logTail = 4096

// Process is a background command in a namespace. Its stdout and stderr
// go to LogPath; a failing test prints the tail of it.
type Process struct {
	Name    string
	LogPath string
	cmd     *exec.Cmd
	done    chan struct{}
	err     error
}

// Start runs args in h's namespace in the background. The process is
// stopped (SIGTERM, then SIGKILL) and waited for in the cleanup of the
// topology's test; a subtest that must not leave it running for the
// next one stops it itself: t.Cleanup(func() { _ = p.Stop() }).
func (h *Host) Start(args ...string) *Process {
	h.topo.t.Helper()
	return h.StartEnv(nil, args...)
}

// StartEnv is Start with extra environment variables ("KEY=value").
func (h *Host) StartEnv(env []string, args ...string) *Process {
	t := h.topo.t
	t.Helper()
	name := h.Name + "-" + filepath.Base(args[0])
	logPath := h.topo.newLogPath(name)
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatalf("netns: %v", err)
	}
	defer f.Close()
	cmd := exec.Command("ip", h.wrap(args)...)
	cmd.Env = append(cmd.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	// Own process group so Stop reaches children; Pdeathsig so a killed
	// test binary does not leave daemons behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("netns: start %s: %v", strings.Join(args, " "), err)
	}
	p := &Process{Name: name, LogPath: logPath, cmd: cmd, done: make(chan struct{})}
	go p.wait()
	t.Cleanup(func() {
		_ = p.Stop()
		if t.Failed() {
			t.Logf("netns: tail of %s (%s):\n%s", name, logPath, tailFile(logPath, logTail))
		}
	})
	return p
}

func (p *Process) wait() {
	p.err = p.cmd.Wait()
	close(p.done)
}

// Pid is the process id (of `ip netns exec`, which execs the command).
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Running reports whether the process has not exited yet.
func (p *Process) Running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// Err returns ErrNotRunning wrapping the exit status once the process has
// exited, nil while it runs. Poll it to catch a daemon that died early.
func (p *Process) Err() error {
	if p.Running() {
		return nil
	}
	return fmt.Errorf("%w: %s: %v", ErrNotRunning, p.Name, p.err)
}

// Output returns everything the process wrote so far.
func (p *Process) Output() string {
	b, _ := os.ReadFile(p.LogPath)
	return string(b)
}

// Stop sends SIGTERM to the process group, waits up to stopGrace, then
// kills it. It returns the exit error, which is expected to be non-nil for
// a signalled process; Stop is idempotent.
func (p *Process) Stop() error {
	return p.Signal(syscall.SIGTERM)
}

// Signal sends sig to the process group and waits for exit as Stop does.
func (p *Process) Signal(sig syscall.Signal) error {
	if !p.Running() {
		return p.err
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, sig)
	select {
	case <-p.done:
	case <-time.After(stopGrace):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
	return p.err
}

// newLogPath returns a fresh file name in the topology directory.
func (tp *Topology) newLogPath(name string) string {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	tp.nlogs++
	return filepath.Join(tp.dir, fmt.Sprintf("%02d-%s.log", tp.nlogs, name))
}

// tailFile returns at most n bytes from the end of path.
func tailFile(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > n {
		_, _ = f.Seek(st.Size()-n, 0)
	}
	b := make([]byte, n)
	k, _ := f.Read(b)
	return string(b[:k])
}
