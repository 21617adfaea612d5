package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func init() {
	register("demo", "run our server and client in network namespaces: handshake, ping and DNS through the tunnel", runDemo)
}

// The demo's world, documentation addresses only:
//
//	[fvd-cl] 192.0.2.2 ── 192.0.2.1 [fvd-gw] 198.51.100.1 ── 198.51.100.10/.53 [fvd-lan]
//	flexvpn connect        flexvpn server                     host + DNS for corp.example
//	fv0: 203.0.113.x ◀════ IKEv2 + ESP-in-UDP 4500 ════▶ fvs0: 203.0.113.1
const (
	demoPrefix   = "fvd-"
	demoGWOuter  = "192.0.2.1"
	demoCLOuter  = "192.0.2.2"
	demoGWInner  = "198.51.100.1"
	demoLANHost  = "198.51.100.10"
	demoLANDNS   = "198.51.100.53"
	demoGWName   = "gw.demo.flexvpn.test"
	demoUser     = "alice"
	demoPassword = "correct horse battery staple"
)

var (
	nsCL  = demoPrefix + "cl"
	nsGW  = demoPrefix + "gw"
	nsLAN = demoPrefix + "lan"
)

// demo holds the running demo's pieces for teardown.
type demo struct {
	self  string
	dir   string
	procs []*exec.Cmd
	keep  bool
}

func runDemo(args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	keep := fs.Bool("keep", false, "keep the namespaces and processes running until Ctrl-C")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return errors.New("the demo builds network namespaces and TUN devices, which needs root: run `sudo make demo`")
	}
	if err := exec.Command("ip", "netns", "list").Run(); err != nil {
		return fmt.Errorf("`ip netns` does not work here (%v); install iproute2", err)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "flexvpn-demo-")
	if err != nil {
		return err
	}
	d := &demo{self: self, dir: dir, keep: *keep}
	defer d.teardown()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return d.run(ctx)
}

func (d *demo) run(ctx context.Context) error {
	step("building the network: client, gateway and a LAN behind it (network namespaces)")
	if err := d.topology(); err != nil {
		return err
	}
	step("writing a throwaway CA, the gateway certificate, the server config and the client profile")
	if err := d.files(); err != nil {
		return err
	}
	step("starting the LAN's DNS server for corp.example and `flexvpn server` on the gateway")
	if err := d.start(nsLAN, "lan", d.self, "demo-lan", "-listen", demoLANDNS+":53"); err != nil {
		return err
	}
	if err := d.start(nsGW, "server", d.self, "server", "--config", d.path("gw/server.toml")); err != nil {
		return err
	}
	time.Sleep(300 * time.Millisecond)
	step("connecting: `flexvpn connect` as %s with EAP-MSCHAPv2; the gateway proves itself with its certificate", demoUser)
	if err := d.start(nsCL, "client", privateRun(d.self, "connect", "--profile", d.path("cl/demo.toml"), "-v")...); err != nil {
		return err
	}
	addr, err := d.waitConnected(ctx, 20*time.Second)
	if err != nil {
		return err
	}
	fmt.Printf("    connected: the gateway gave us %s\n", addr)
	return d.exercise(ctx)
}

// exercise shows traffic and DNS going through the tunnel.
func (d *demo) exercise(ctx context.Context) error {
	step("ping %s (a host on the LAN behind the gateway) through the tunnel", demoLANHost)
	if err := d.show(nsCL, d.self, "demo-ping", demoLANHost, "3"); err != nil {
		return fmt.Errorf("ping through the tunnel failed: %w", err)
	}
	step("resolve www.corp.example through the split-DNS proxy (corp.example goes to the tunnel's DNS server)")
	if err := d.show(nsCL, d.self, "demo-query", "www.corp.example", "127.0.0.54:53"); err != nil {
		return fmt.Errorf("DNS through the tunnel failed: %w", err)
	}
	step("what the gateway sees: `flexvpn server sessions`")
	_ = d.show(nsGW, d.self, "server", "sessions", "--config", d.path("gw/server.toml"))
	if d.keep {
		step("running; press Ctrl-C to tear everything down (namespaces %s*)", demoPrefix)
		<-ctx.Done()
	}
	step("demo complete: handshake, traffic and DNS went through the tunnel; tearing down")
	return nil
}

func step(format string, args ...any) {
	fmt.Printf("==> "+format+"\n", args...)
}

func (d *demo) path(rel string) string { return filepath.Join(d.dir, rel) }

// topology creates the three namespaces and their links.
func (d *demo) topology() error {
	d.removeNamespaces()
	cmds := [][]string{
		{"ip", "netns", "add", nsCL}, {"ip", "netns", "add", nsGW}, {"ip", "netns", "add", nsLAN},
		{"ip", "link", "add", "fvd-c0", "netns", nsCL, "type", "veth", "peer", "name", "fvd-g0", "netns", nsGW},
		{"ip", "link", "add", "fvd-g1", "netns", nsGW, "type", "veth", "peer", "name", "fvd-l0", "netns", nsLAN},
		{"ip", "-n", nsCL, "addr", "add", demoCLOuter + "/24", "dev", "fvd-c0"},
		{"ip", "-n", nsGW, "addr", "add", demoGWOuter + "/24", "dev", "fvd-g0"},
		{"ip", "-n", nsGW, "addr", "add", demoGWInner + "/24", "dev", "fvd-g1"},
		{"ip", "-n", nsLAN, "addr", "add", demoLANHost + "/24", "dev", "fvd-l0"},
		{"ip", "-n", nsLAN, "addr", "add", demoLANDNS + "/24", "dev", "fvd-l0"},
	}
	for _, ns := range []string{nsCL, nsGW, nsLAN} {
		cmds = append(cmds, []string{"ip", "-n", ns, "link", "set", "lo", "up"})
	}
	cmds = append(cmds,
		[]string{"ip", "-n", nsCL, "link", "set", "fvd-c0", "up"},
		[]string{"ip", "-n", nsGW, "link", "set", "fvd-g0", "up"},
		[]string{"ip", "-n", nsGW, "link", "set", "fvd-g1", "up"},
		[]string{"ip", "-n", nsLAN, "link", "set", "fvd-l0", "up"},
		[]string{"ip", "-n", nsLAN, "route", "add", "default", "via", demoGWInner},
		[]string{"ip", "netns", "exec", nsGW, "sysctl", "-qw", "net.ipv4.ip_forward=1"},
	)
	for _, c := range cmds {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v: %s", strings.Join(c, " "), err, out)
		}
	}
	// `ip netns exec` bind-mounts /etc/netns/NS/* over /etc, so the client's
	// resolv.conf changes stay inside its namespace.
	etc := filepath.Join("/etc/netns", nsCL)
	if err := os.MkdirAll(etc, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(etc, "resolv.conf"), []byte("nameserver 192.0.2.53\n"), 0o644)
}

// privateRun wraps argv so that it runs with its own empty /run/flexvpn:
// the demo client's instance lock and resolv.conf backup must not meet
// those of a flexvpn daemon running on this host (which would refuse
// the demo, or worse, share a backup). `ip netns exec` already gives the
// command a mount namespace of its own whose mounts do not propagate
// back, so a tmpfs there stays private.
func privateRun(argv ...string) []string {
	const script = `mkdir -p /run/flexvpn && mount -t tmpfs -o mode=0755 flexvpn-demo /run/flexvpn && exec "$0" "$@"`
	return append([]string{"sh", "-c", script}, argv...)
}

// start runs a long-lived process in ns, logging to DIR/NAME.log.
func (d *demo) start(ns, name string, argv ...string) error {
	logf, err := os.Create(d.path(name + ".log"))
	if err != nil {
		return err
	}
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns}, argv...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return err
	}
	d.procs = append(d.procs, cmd)
	return nil
}

// show runs a command in ns with its output on our stdout, indented.
func (d *demo) show(ns string, argv ...string) error {
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns}, argv...)...)
	out, err := cmd.CombinedOutput()
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		fmt.Println("    " + sc.Text())
	}
	return err
}

// waitConnected polls the client's tunnel interface for its address.
func (d *demo) waitConnected(ctx context.Context, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		out, _ := exec.Command("ip", "-n", nsCL, "-4", "-o", "addr", "show", "dev", "fv0").Output()
		if f := strings.Fields(string(out)); len(f) >= 4 {
			if ip, _, err := net.ParseCIDR(f[3]); err == nil {
				return ip.String(), nil
			}
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	d.dumpLogs()
	return "", errors.New("the client did not connect within the timeout (logs above)")
}

func (d *demo) dumpLogs() {
	for _, name := range []string{"server", "client"} {
		b, _ := os.ReadFile(d.path(name + ".log"))
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) > 25 {
			lines = lines[len(lines)-25:]
		}
		fmt.Printf("---- %s log (last lines) ----\n%s\n", name, strings.Join(lines, "\n"))
	}
}

// teardown stops the processes (SIGTERM, so the client restores its
// namespace and the server deletes its sessions), then removes everything.
func (d *demo) teardown() {
	for i := len(d.procs) - 1; i >= 0; i-- {
		p := d.procs[i]
		p.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { p.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			p.Process.Kill()
			<-done
		}
	}
	d.removeNamespaces()
	os.RemoveAll(filepath.Join("/etc/netns", nsCL))
	os.RemoveAll(d.dir)
}

func (d *demo) removeNamespaces() {
	for _, ns := range []string{nsCL, nsGW, nsLAN} {
		exec.Command("ip", "netns", "del", ns).Run()
	}
}
