package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"flexvpn/test/netns"
	"flexvpn/test/pki"
)

// TestOurClientToServer: `flexvpn connect` logs in to `flexvpn server`
// with a PSK, a certificate and EAP-MSCHAPv2, gets a pool address on its
// TUN, pings the LAN host through the tunnel, and is listed; SIGTERM
// makes it delete the session.
func TestOurClientToServer(t *testing.T) {
	netns.Require(t)
	for _, method := range []string{"psk", "cert", "eap"} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			runOurClientCase(t, method)
		})
	}
}

const connectedLine = "flexvpn: connected"

func runOurClientCase(t *testing.T, method string) {
	w := newWorld(t, "c"+method)
	dir := t.TempDir()
	profile, identity := writeProfile(t, dir, w.ca, method)
	c := startOurClient(t, w.cli, flexvpnBinary(t), profile)
	netns.WaitFor(t, 30*time.Second, func() error {
		out := c.Output()
		if strings.Contains(out, connectedLine) {
			return nil
		}
		if !c.Running() {
			return fmt.Errorf("client exited before connecting: %v\n%s", c.Err(), out)
		}
		return fmt.Errorf("not connected yet")
	})
	s := w.gwServer.waitSession(t, identity)
	if !vpnPool.Contains(s.IP4) {
		t.Fatalf("session address %s outside %s", s.IP4, vpnPool)
	}
	if addrs := w.cli.IP("-o", "addr", "show", "dev", "fv0"); !strings.Contains(addrs, s.IP4.String()) {
		t.Errorf("fv0 lacks %s:\n%s", s.IP4, addrs)
	}
	netns.WaitFor(t, 10*time.Second, func() error { return w.cli.Ping(lanAddr) })
	netns.WaitFor(t, 5*time.Second, func() error {
		for _, x := range w.gwServer.sessions(t) {
			if x.ID == s.ID && x.BytesIn > 0 && x.BytesOut > 0 {
				return nil
			}
		}
		return fmt.Errorf("session %d shows no traffic", s.ID)
	})
	if err := c.Signal(syscall.SIGTERM); err != nil {
		t.Errorf("client exit after SIGTERM: %v", err)
	}
	netns.WaitFor(t, 10*time.Second, func() error {
		if n := len(w.gwServer.sessions(t)); n != 0 {
			return fmt.Errorf("%d sessions left after the client disconnected", n)
		}
		return nil
	})
}

// writeProfile writes a client profile for method and returns its path
// and the identity the server registers the session under.
func writeProfile(t *testing.T, dir string, ca *pki.CA, method string) (string, string) {
	t.Helper()
	writeFile(t, filepath.Join(dir, "ca.pem"), ca.CertPEM, 0o644)
	var auth, secrets, identity string
	switch method {
	case "psk":
		auth = "method = \"psk\"\nidentity = \"carol@flexvpn.test\"\n"
		secrets = fmt.Sprintf("psk = %q\n", ikePSK)
		identity = "email:carol@flexvpn.test"
	case "cert":
		c := ca.MustClient(t, pki.RSA2048, "dave@flexvpn.test")
		if _, _, err := c.WriteFiles(dir, "client"); err != nil {
			t.Fatal(err)
		}
		auth = "method = \"cert\"\nidentity = \"dave@flexvpn.test\"\ncert = \"client.pem\"\nkey = \"client.key\"\n"
		identity = "email:dave@flexvpn.test"
	case "eap":
		auth = fmt.Sprintf("method = \"eap\"\nidentity = \"%s@flexvpn.test\"\neap_username = %q\neap_methods = [\"mschapv2\"]\n", eapUser, eapUser)
		secrets = fmt.Sprintf("password = %q\n", eapPassword)
		identity = eapUser
	}
	profile := fmt.Sprintf("name = \"e2e\"\nconnect = \"manual\"\n\n[[peer]]\nhost = %q\n\n[auth]\n%ssecrets_file = \"secrets.toml\"\n\n[gateway]\nca = \"ca.pem\"\nidentity = %q\n",
		gwAddr, auth, gwFQDN)
	writeFile(t, filepath.Join(dir, "secrets.toml"), []byte(secrets), 0o600)
	path := filepath.Join(dir, "e2e.toml")
	writeFile(t, path, []byte(profile), 0o644)
	return path, identity
}

// startOurClient runs `flexvpn connect` in h inside a private mount
// namespace, with its own /etc/resolv.conf and /run, so the DNS changes
// it makes touch nothing outside the test.
func startOurClient(t *testing.T, h *netns.Host, bin, profile string) *netns.Process {
	t.Helper()
	dir := t.TempDir()
	resolv, run := filepath.Join(dir, "resolv.conf"), filepath.Join(dir, "run")
	writeFile(t, resolv, []byte("nameserver "+gwAddr.String()+"\n"), 0o644)
	if err := os.Mkdir(run, 0o755); err != nil {
		t.Fatal(err)
	}
	script := `mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /run && shift 2 && exec "$@"`
	return h.Start("unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh",
		resolv, run, bin, "connect", "-profile", profile, "-v")
}
