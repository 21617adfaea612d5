package netns

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// execTimeout bounds one foreground command so a hung tool fails the
// test instead of the whole CI run.
const execTimeout = 60 * time.Second

// Exec runs args in h's namespace and returns combined stdout and stderr.
// The error wraps the exit status and includes the output.
func (h *Host) Exec(args ...string) (string, error) {
	return h.ExecEnv(nil, args...)
}

// ExecEnv is Exec with extra environment variables ("KEY=value").
func (h *Host) ExecEnv(env []string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), execTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", h.wrap(args)...)
	cmd.Env = append(cmd.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s: %s: %w: %s", h.Name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// MustExec is Exec that fails the test on error.
func (h *Host) MustExec(args ...string) string {
	h.topo.t.Helper()
	out, err := h.Exec(args...)
	if err != nil {
		h.topo.t.Fatalf("netns: %v", err)
	}
	return out
}

// IP runs ip(8) with -n for h's namespace, which is cheaper than
// Exec("ip", ...) because it skips the mount namespace setup of
// `ip netns exec`. It fails the test on error.
func (h *Host) IP(args ...string) string {
	h.topo.t.Helper()
	out, err := runIP(append([]string{"-n", h.NS}, args...)...)
	if err != nil {
		h.topo.t.Fatalf("netns: %s: ip %s: %v: %s", h.Name, strings.Join(args, " "), err, out)
	}
	return out
}

// Sysctl sets a sysctl (dotted key, e.g. "net.ipv4.ip_forward") in h's
// network namespace. Only net.* keys are per namespace.
func (h *Host) Sysctl(key, value string) error {
	path := "/proc/sys/" + strings.ReplaceAll(key, ".", "/")
	return h.Do(func() error { return os.WriteFile(path, []byte(value), 0o644) })
}

// wrap prefixes args with "netns exec NS" for ip(8).
func (h *Host) wrap(args []string) []string {
	return append([]string{"netns", "exec", h.NS}, args...)
}
