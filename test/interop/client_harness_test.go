package interop

import (
	"cmp"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"flexvpn/test/netns"
	"flexvpn/test/pki"
)

// This file is the harness for running the real `flexvpn connect` binary
// in a client namespace against strongSwan: build, profile, start with a
// private /etc/resolv.conf and /run, split-DNS servers, and the system
// state snapshot that must come back after disconnect.

// Addresses of the client tests. The virtual IP pool is TEST-NET-3; the
// "public" resolver the client had before connecting is another host on
// the internet segment, the tunnel's resolver is the LAN host.
var (
	vpnPool     = netip.MustParsePrefix("203.0.113.0/24")
	publicDNS   = netip.MustParseAddr("192.0.2.53")
	tunnelDNS   = lanAddr
	splitDomain = "corp.flexvpn.test"
	// Answers of the two DNS servers, so a test can tell who answered.
	tunnelAnswer = netip.MustParseAddr("198.51.100.80")
	publicAnswer = netip.MustParseAddr("192.0.2.80")
)

// proxyAddr is where `flexvpn connect` serves split DNS (its default).
var proxyAddr = netip.MustParseAddrPort("127.0.0.54:53")

const connectedLine = "flexvpn: connected"

// flexvpnBuild is the binary shared by every test of one run.
var flexvpnBuild struct {
	once      sync.Once
	dir, path string
	err       error
}

// buildFlexvpn compiles cmd/flexvpn on first use; later tests reuse the
// binary, and TestMain removes it when the run ends.
func buildFlexvpn(t testing.TB) string {
	t.Helper()
	b := &flexvpnBuild
	b.once.Do(func() {
		if b.dir, b.err = os.MkdirTemp("", "flexvpn-interop-"); b.err != nil {
			return
		}
		b.path = filepath.Join(b.dir, "flexvpn")
		gotool := filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(gotool); err != nil {
			gotool = "go"
		}
		if out, err := exec.Command(gotool, "build", "-o", b.path, "flexvpn/cmd/flexvpn").CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build flexvpn: %w\n%s", err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

func removeFlexvpnBuild() {
	if flexvpnBuild.dir != "" {
		os.RemoveAll(flexvpnBuild.dir)
	}
}

// clientProfile is what a test case puts into the profile.
type clientProfile struct {
	Method      string // psk, cert, eap
	Identity    string
	EAPUsername string
	EAPMethods  []string
	Password    string
	PSK         string
	Cert        *pki.Cert // client certificate for cert
	CA          []byte    // trusted for the gateway
	GatewayID   string
	DPD         string // dpd_interval; default 10s
	DPDRetry    string // dpd_retry; default the profile's
	Connect     string // connect mode; default manual
}

// write puts the profile, its 0600 secrets file and PEM files into dir and
// returns the profile path.
func (p clientProfile) write(t testing.TB, dir string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "name = \"interop\"\nconnect = %q\n\n[[peer]]\nhost = %q\n\n", cmp.Or(p.Connect, "manual"), gwAddr)
	fmt.Fprintf(&b, "[auth]\nmethod = %q\nidentity = %q\nsecrets_file = \"secrets.toml\"\n", p.Method, p.Identity)
	if p.EAPUsername != "" {
		fmt.Fprintf(&b, "eap_username = %q\n", p.EAPUsername)
	}
	if len(p.EAPMethods) > 0 {
		fmt.Fprintf(&b, "eap_methods = [\"%s\"]\n", strings.Join(p.EAPMethods, `", "`))
	}
	if p.Cert != nil {
		if _, _, err := p.Cert.WriteFiles(dir, "client"); err != nil {
			t.Fatal(err)
		}
		b.WriteString("cert = \"client.pem\"\nkey = \"client.key\"\n")
	}
	b.WriteString("\n[gateway]\n")
	if p.CA != nil {
		writeFile(t, filepath.Join(dir, "ca.pem"), p.CA, 0o644)
		b.WriteString("ca = \"ca.pem\"\n")
	}
	fmt.Fprintf(&b, "identity = %q\n\n[ike]\ndpd_interval = %q\n", p.GatewayID, cmp.Or(p.DPD, "10s"))
	if p.DPDRetry != "" {
		fmt.Fprintf(&b, "dpd_retry = %q\n", p.DPDRetry)
	}
	var s strings.Builder
	if p.Password != "" {
		fmt.Fprintf(&s, "password = %q\n", p.Password)
	}
	if p.PSK != "" {
		fmt.Fprintf(&s, "psk = %q\n", p.PSK)
	}
	writeFile(t, filepath.Join(dir, "secrets.toml"), []byte(s.String()), 0o600)
	path := filepath.Join(dir, "interop.toml")
	writeFile(t, path, []byte(b.String()), 0o644)
	return path
}

func writeFile(t testing.TB, path string, b []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, b, mode); err != nil {
		t.Fatal(err)
	}
}

// ourClient is a running `flexvpn connect` in the client namespace, with
// its own /etc/resolv.conf (ResolvConf on the host side) and /run.
type ourClient struct {
	t          testing.TB
	host       *netns.Host
	proc       *netns.Process
	ResolvConf string
	origResolv string
	runDir     string
}

// startClient runs `flexvpn connect` in h inside a private mount
// namespace: /etc/resolv.conf and /run are bind-mounted from the test's
// directory, so the client rewrites and backs up files nobody else sees.
func startClient(t testing.TB, h *netns.Host, bin, profilePath string) *ourClient {
	t.Helper()
	dir := t.TempDir()
	c := &ourClient{t: t, host: h, ResolvConf: filepath.Join(dir, "resolv.conf"), runDir: filepath.Join(dir, "run")}
	c.origResolv = fmt.Sprintf("# test resolver of %s\nnameserver %s\n", h.Name, publicDNS)
	writeFile(t, c.ResolvConf, []byte(c.origResolv), 0o644)
	if err := os.Mkdir(c.runDir, 0o755); err != nil {
		t.Fatal(err)
	}
	script := `mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /run && shift 2 && exec "$@"`
	c.proc = h.Start("unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh",
		c.ResolvConf, c.runDir, bin, "connect", "-profile", profilePath, "-v")
	return c
}

// waitConnected polls the client's output for the connected state.
func (c *ourClient) waitConnected(timeout time.Duration) {
	c.t.Helper()
	netns.WaitFor(c.t, timeout, func() error {
		out := c.proc.Output()
		if strings.Contains(out, connectedLine) {
			return nil
		}
		if err := c.proc.Err(); err != nil {
			return fmt.Errorf("client exited before connecting: %w\n%s", err, out)
		}
		return fmt.Errorf("not connected yet")
	})
}

// waitExit waits for the client to give up on its own.
func (c *ourClient) waitExit(timeout time.Duration) string {
	c.t.Helper()
	netns.WaitFor(c.t, timeout, func() error {
		if c.proc.Running() {
			return fmt.Errorf("client still running")
		}
		return nil
	})
	return c.proc.Output()
}

// disconnect sends SIGTERM and insists on a clean exit.
func (c *ourClient) disconnect() {
	c.t.Helper()
	if err := c.proc.Signal(syscall.SIGTERM); err != nil {
		c.t.Errorf("client exit after SIGTERM: %v", err)
	}
}

// systemState is what connecting may change in the client namespace and
// disconnecting must put back.
type systemState struct {
	Rules, Routes, Addrs string
}

// snapshot leaves out IPv6 link-local lines: the kernel adds them on its
// own when duplicate address detection on eth0 finishes mid-test.
func snapshot(h *netns.Host) systemState {
	return systemState{
		Rules:  h.IP("rule", "show") + h.IP("-6", "rule", "show"),
		Routes: withoutLinkLocal(h.IP("route", "show", "table", "all") + h.IP("-6", "route", "show", "table", "all")),
		Addrs:  withoutLinkLocal(h.IP("-o", "addr", "show")),
	}
}

func withoutLinkLocal(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.Contains(l, "fe80:") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// dnsServer answers A queries for every name with one address, on UDP in
// h's namespace, until the test ends.
func dnsServer(t testing.TB, h *netns.Host, addr, answer netip.Addr) {
	t.Helper()
	var pc net.PacketConn
	if err := h.Do(func() (err error) {
		pc, err = net.ListenPacket("udp4", netip.AddrPortFrom(addr, 53).String())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		if len(q.Question) == 1 && q.Question[0].Qtype == dns.TypeA {
			m.Answer = append(m.Answer, &dns.A{
				Hdr: dns.RR_Header{Name: q.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
				A:   answer.AsSlice(),
			})
		}
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
}

// lookupA asks the DNS server at server for name from h's namespace.
func lookupA(h *netns.Host, server netip.AddrPort, name string) (netip.Addr, error) {
	var (
		in  *dns.Msg
		err error
	)
	c := &dns.Client{Net: "udp", Timeout: 2 * time.Second}
	q := new(dns.Msg).SetQuestion(dns.Fqdn(name), dns.TypeA)
	if derr := h.Do(func() error {
		in, _, err = c.Exchange(q, server.String())
		return nil
	}); derr != nil {
		return netip.Addr{}, derr
	}
	if err != nil {
		return netip.Addr{}, err
	}
	for _, rr := range in.Answer {
		if a, ok := rr.(*dns.A); ok {
			addr, _ := netip.AddrFromSlice(a.A)
			return addr.Unmap(), nil
		}
	}
	return netip.Addr{}, fmt.Errorf("no A record for %s (rcode %s)", name, dns.RcodeToString[in.Rcode])
}
