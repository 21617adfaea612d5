package netns

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// swanStartTimeout bounds how long charon may take to open its vici
// socket; generous because CI shares two cores between many tests.
const swanStartTimeout = 20 * time.Second

// initiateTimeout is what swanctl --initiate waits for an SA.
const initiateTimeout = 30 * time.Second

// StrongSwan is a charon daemon running in one namespace, configured and
// driven through its own vici socket.
type StrongSwan struct {
	Host *Host
	// LogPath is charon's file log (levels in logLevels / Config.LogLevels).
	LogPath string
	// Dir holds strongswan.conf, the swanctl directory and the socket.
	Dir   string
	URI   string
	paths swanPaths
	proc  *Process
	t     testing.TB
}

// StartStrongSwan writes cfg, starts charon in h (in a private mount
// namespace with its own /run and /etc/resolv.conf, as TESTING.md
// requires), waits for its vici socket and loads the configuration. The
// daemon is stopped in t.Cleanup; a failing test prints its log tail.
func StartStrongSwan(t testing.TB, h *Host, cfg Config) *StrongSwan {
	t.Helper()
	RequireStrongSwan(t)
	s := &StrongSwan{Host: h, t: t}
	s.paths = newSwanPaths(t, h.Name)
	s.Dir, s.LogPath, s.URI = s.paths.dir, s.paths.log, "unix://"+s.paths.vici
	if err := s.writeFiles(cfg); err != nil {
		t.Fatalf("netns: strongswan config: %v", err)
	}
	s.start()
	if err := s.Load(); err != nil {
		t.Fatalf("netns: %v", err)
	}
	return s
}

// newSwanPaths creates a short private directory: the vici socket path
// must fit in sun_path (108 bytes), which t.TempDir paths can exceed.
func newSwanPaths(t testing.TB, name string) swanPaths {
	dir, err := os.MkdirTemp("", fmt.Sprintf("%s%dx-swan-%s-", tempMarker, os.Getpid(), name))
	if err != nil {
		t.Fatalf("netns: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return swanPaths{
		dir:        dir,
		conf:       filepath.Join(dir, "strongswan.conf"),
		swanctlDir: filepath.Join(dir, "swanctl"),
		runDir:     filepath.Join(dir, "run"),
		resolv:     filepath.Join(dir, "resolv.conf"),
		log:        filepath.Join(dir, "charon.log"),
		vici:       filepath.Join(dir, "vici"),
	}
}

// swanctlSubdirs all exist so that --load-all reports only real failures.
var swanctlSubdirs = []string{
	"x509", "x509ca", "x509ocsp", "x509aa", "x509ac", "x509crl", "pubkey",
	"private", "rsa", "ecdsa", "bliss", "pkcs8", "pkcs12",
}

// writeFiles lays out the instance directory.
func (s *StrongSwan) writeFiles(cfg Config) error {
	p := s.paths
	for _, d := range swanctlSubdirs {
		if err := os.MkdirAll(filepath.Join(p.swanctlDir, d), 0o700); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(p.runDir, 0o755); err != nil {
		return err
	}
	files := map[string][]byte{
		p.conf: []byte(cfg.strongswanConf(p)),
		filepath.Join(p.swanctlDir, "swanctl.conf"): []byte(cfg.SwanctlConf()),
		p.resolv: nil,
	}
	for rel, b := range cfg.Files {
		files[filepath.Join(p.swanctlDir, filepath.Clean(rel))] = b
	}
	for path, b := range files {
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// start runs charon and waits until vici answers.
func (s *StrongSwan) start() {
	s.t.Helper()
	script := fmt.Sprintf("mount --bind %s /run && mount --bind %s /etc/resolv.conf && exec %s",
		s.paths.runDir, s.paths.resolv, charonPath())
	s.proc = s.Host.StartEnv([]string{"STRONGSWAN_CONF=" + s.paths.conf},
		"unshare", "-m", "--propagation", "private", "sh", "-c", script)
	s.t.Cleanup(s.dumpLogOnFailure)
	// Host.Start stops processes with the topology's test; a subtest
	// that starts charon must stop it itself, or the next subtest's
	// daemon on this host finds UDP 500 and 4500 taken.
	s.t.Cleanup(s.Stop)
	err := Poll(swanStartTimeout, func() error {
		if err := s.proc.Err(); err != nil {
			return fmt.Errorf("%w: %s", err, s.proc.Output())
		}
		_, err := s.Swanctl("--stats")
		return err
	})
	if err != nil {
		s.t.Fatalf("netns: charon in %s did not start: %v", s.Host.Name, err)
	}
}

func (s *StrongSwan) dumpLogOnFailure() {
	if s.t.Failed() {
		s.t.Logf("netns: tail of charon log of %s (%s):\n%s", s.Host.Name, s.LogPath, tailFile(s.LogPath, 3*logTail))
	}
}

// Swanctl runs swanctl against this instance (its vici URI and swanctl
// directory) and returns the output.
func (s *StrongSwan) Swanctl(args ...string) (string, error) {
	args = append([]string{"swanctl"}, append(args, "--uri", s.URI)...)
	return s.Host.ExecEnv([]string{"SWANCTL_DIR=" + s.paths.swanctlDir}, args...)
}

// Load (re)loads credentials, pools and connections from the swanctl
// directory.
func (s *StrongSwan) Load() error {
	if out, err := s.Swanctl("--load-all", "--noprompt"); err != nil {
		return fmt.Errorf("strongswan %s: load: %w", s.Host.Name, err)
	} else if strings.Contains(out, "failed") {
		return fmt.Errorf("strongswan %s: load: %s", s.Host.Name, out)
	}
	return nil
}

// Reconfigure rewrites the configuration files and reloads them.
func (s *StrongSwan) Reconfigure(cfg Config) error {
	if err := s.writeFiles(cfg); err != nil {
		return err
	}
	return s.Load()
}

// Initiate starts the named CHILD_SA (and its IKE_SA) and waits for it.
func (s *StrongSwan) Initiate(child string) error {
	return s.run("initiate", "--initiate", "--child", child, "--timeout", timeoutArg(initiateTimeout))
}

// InitiateIKE starts the named connection's IKE_SA without a CHILD_SA
// unless the connection's children start on their own.
func (s *StrongSwan) InitiateIKE(conn string) error {
	return s.run("initiate", "--initiate", "--ike", conn, "--timeout", timeoutArg(initiateTimeout))
}

// Terminate deletes the named IKE_SA (sends an INFORMATIONAL Delete).
func (s *StrongSwan) Terminate(conn string) error {
	return s.run("terminate", "--terminate", "--ike", conn, "--timeout", timeoutArg(initiateTimeout))
}

// TerminateChild deletes the named CHILD_SA.
func (s *StrongSwan) TerminateChild(child string) error {
	return s.run("terminate", "--terminate", "--child", child, "--timeout", timeoutArg(initiateTimeout))
}

// RekeyIKE rekeys the named IKE_SA (CREATE_CHILD_SA); it returns once the
// request is queued, poll ListSAs to see the result.
func (s *StrongSwan) RekeyIKE(conn string) error {
	return s.run("rekey", "--rekey", "--ike", conn)
}

// RekeyChild rekeys the named CHILD_SA (CREATE_CHILD_SA with REKEY_SA).
func (s *StrongSwan) RekeyChild(child string) error {
	return s.run("rekey", "--rekey", "--child", child)
}

// Redirect sends an RFC 5685 REDIRECT in an INFORMATIONAL to the client
// whose IKE_SA comes from peer, pointing it at gw (address or FQDN).
func (s *StrongSwan) Redirect(peer netip.Addr, gw string) error {
	return s.run("redirect", "--redirect", "--peer-ip", peer.String(), "--gateway", gw)
}

// Stop terminates charon now (SIGTERM, then SIGKILL); Cleanup does the
// same, so calling Stop is only needed to test a peer disappearing.
func (s *StrongSwan) Stop() { _ = s.proc.Stop() }

// Log returns charon's log so far.
func (s *StrongSwan) Log() string {
	b, _ := os.ReadFile(s.LogPath)
	return string(b)
}

func (s *StrongSwan) run(what string, args ...string) error {
	if _, err := s.Swanctl(args...); err != nil {
		return fmt.Errorf("strongswan %s: %s: %w", s.Host.Name, what, err)
	}
	return nil
}

func timeoutArg(d time.Duration) string { return fmt.Sprint(int(d / time.Second)) }

// ResolvConf returns the daemon's private /etc/resolv.conf, where the
// resolve plugin writes DNS servers received in a CP reply.
func (s *StrongSwan) ResolvConf() string {
	b, _ := os.ReadFile(s.paths.resolv)
	return string(b)
}
