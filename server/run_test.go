package server_test

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/tun"

	"flexvpn/client"
	"flexvpn/platform/tunif/tunfake"
	"flexvpn/server"
	"flexvpn/test/pki"
	"flexvpn/tunnel/ike"
	"flexvpn/tunnel/ike/eap"
)

// The whole server in one process: a Server with a fake TUN on a loopback
// address of its own, and our client dialing it over real UDP sockets.

var gwAddr = netip.MustParseAddr("127.0.0.78")

const pskConfig = `
[server]
listen = ["127.0.0.78"]
identity = "fqdn:gw.flexvpn.test"
dpd_interval = "0s"

[config_mode]
pool = "lan"
dns = ["198.51.100.53"]
split_networks = ["198.51.100.0/24"]
split_dns = ["corp.example.com"]
banner = "Authorized use only."

[pool.lan]
prefix = "203.0.113.0/24"
gateway = "203.0.113.1"

[keyring.any]
address = "0.0.0.0/0"
key = "loopback-psk"
`

// writeConfig stores a config (mode 0600: it holds secrets) and loads it.
func writeConfig(t *testing.T, dir, text string) *server.Config {
	t.Helper()
	path := filepath.Join(dir, "server.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := server.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

type testServer struct {
	*server.Server
	tun *tunfake.TUN
}

func startServer(t *testing.T, cfg *server.Config) *testServer {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipped: binding UDP 500/4500 needs root")
	}
	ft := tunfake.New(tunfake.Config{Name: "fvs-test"})
	s, err := server.New(cfg, server.Options{TUN: ft, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &testServer{Server: s, tun: ft}
}

type testClient struct {
	client.Session
	tun *tunfake.TUN
}

func dial(t *testing.T, cfg ike.Config) (*testClient, error) {
	t.Helper()
	ft := tunfake.New(tunfake.Config{Name: "fv-test"})
	cfg.RetransmitT = 200 * time.Millisecond
	d := &client.TunnelDialer{IKE: cfg, NewTUN: func() (tun.Device, error) { return ft, nil }}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sess, err := d.Dial(ctx, client.Target{Host: "gw.flexvpn.test", Addr: gwAddr})
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		sess.Close(ctx)
	})
	return &testClient{Session: sess, tun: ft}, nil
}

func mustDial(t *testing.T, cfg ike.Config) *testClient {
	t.Helper()
	c, err := dial(t, cfg)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	return c
}

func pskClient(id string) ike.Config {
	return ike.Config{LocalID: ike.EmailIdentity(id), RemoteID: ike.FQDNIdentity("gw.flexvpn.test"),
		PSK: []byte("loopback-psk")}
}

// TestServerPSK: a PSK client gets an address from the pool, DNS, split
// networks and split DNS; packets cross both ways; the session is listed
// with its bytes; an admin disconnect ends the client's session.
func TestServerPSK(t *testing.T) {
	s := startServer(t, writeConfig(t, t.TempDir(), pskConfig))
	c := mustDial(t, pskClient("alice@example.com"))
	r := c.Reply()
	checkReply(t, r, "203.0.113.")
	addr := r.Addrs[0].Addr()
	exchangePackets(t, s, c, addr)

	list := s.Sessions()
	if len(list) != 1 || list[0].Identity != "email:alice@example.com" || list[0].IP4 != addr {
		t.Fatalf("sessions = %+v", list)
	}
	if list[0].BytesIn == 0 || list[0].BytesOut == 0 {
		t.Errorf("no bytes counted: %+v", list[0])
	}

	ids, err := s.Disconnect(context.Background(), "alice@example.com")
	if err != nil || len(ids) != 1 || ids[0] != list[0].ID {
		t.Fatalf("disconnect = %v, %v", ids, err)
	}
	waitEnded(t, c)
	if n := len(s.Sessions()); n != 0 {
		t.Fatalf("%d sessions left after disconnect", n)
	}
	if _, err := s.Disconnect(context.Background(), "alice@example.com"); !errors.Is(err, server.ErrNoMatchingSession) {
		t.Fatalf("second disconnect: %v, want no matching session", err)
	}
	// The address went back to the pool: the same identity gets it again.
	c2 := mustDial(t, pskClient("alice@example.com"))
	if got := c2.Reply().Addrs[0].Addr(); got != addr {
		t.Errorf("reconnect got %s, want the previous %s", got, addr)
	}
}

func checkReply(t *testing.T, r client.Reply, pool string) {
	t.Helper()
	if len(r.Addrs) != 1 || !strings.HasPrefix(r.Addrs[0].Addr().String(), pool) {
		t.Fatalf("addresses %v, want one from %s0/24", r.Addrs, pool)
	}
	if fmt.Sprint(r.DNS) != "[198.51.100.53]" {
		t.Errorf("DNS = %v", r.DNS)
	}
	// Our client is a FlexVPN client: it gets the IETF and the Unity
	// attribute for each network and domain, and lists both.
	if fmt.Sprint(slices.Compact(r.Subnets)) != "[198.51.100.0/24]" {
		t.Errorf("split networks = %v", r.Subnets)
	}
	if fmt.Sprint(slices.Compact(r.DNSDomains)) != "[corp.example.com]" {
		t.Errorf("split DNS = %v", r.DNSDomains)
	}
}

// exchangePackets sends client → LAN and LAN → client through the tunnel.
func exchangePackets(t *testing.T, s *testServer, c *testClient, addr netip.Addr) {
	t.Helper()
	out := tunfake.UDP4(addr, netip.MustParseAddr("198.51.100.10"), []byte("query"))
	tunfake.InjectUntilReceived(t, c.tun, s.tun.Written(), out, "server TUN")
	back := tunfake.UDP4(netip.MustParseAddr("198.51.100.10"), addr, []byte("answer"))
	tunfake.InjectUntilReceived(t, s.tun, c.tun.Written(), back, "client TUN")
}

func waitEnded(t *testing.T, c *testClient) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Wait(ctx); errors.Is(err, context.DeadlineExceeded) {
		t.Fatal("the client's session did not end")
	}
}

// certEAPConfig is a server with a certificate, a CA for client
// certificates and one EAP-MSCHAPv2 user.
func certEAPConfig(t *testing.T, extra string) (*server.Config, *pki.CA) {
	t.Helper()
	dir := t.TempDir()
	ca := pki.MustCA(t, pki.ECDSAP256, "flexvpn test CA")
	gw := ca.MustGateway(t, pki.ECDSAP256, "gw.flexvpn.test", gwAddr)
	if _, _, err := gw.WriteFiles(dir, "gateway"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), ca.CertPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	text := fmt.Sprintf(`
[server]
listen = ["127.0.0.78"]
identity = "fqdn:gw.flexvpn.test"

[certificate]
cert = "gateway.pem"
key = "gateway.key"
ca = ["ca.pem"]

[config_mode]
pool = "lan"
dns = ["198.51.100.53"]
split_networks = ["198.51.100.0/24"]
split_dns = ["corp.example.com"]

[pool.lan]
prefix = "203.0.113.0/24"
gateway = "203.0.113.1"

[user.carol]
nt_hash = %q
%s`, hex.EncodeToString(eap.NTHash("carol-password")), extra)
	return writeConfig(t, dir, text), ca
}

func TestServerCertificate(t *testing.T) {
	cfg, ca := certEAPConfig(t, "")
	s := startServer(t, cfg)
	cl := ca.MustClient(t, pki.ECDSAP256, "bob@example.com")
	c := mustDial(t, ike.Config{
		LocalID: ike.EmailIdentity("bob@example.com"), RemoteID: ike.FQDNIdentity("gw.flexvpn.test"),
		Certificates: []*x509.Certificate{cl.Cert}, Signer: cl.Key, CAs: []*x509.Certificate{ca.Cert.Cert},
	})
	checkReply(t, c.Reply(), "203.0.113.")
	exchangePackets(t, s, c, c.Reply().Addrs[0].Addr())
	if l := s.Sessions(); len(l) != 1 || l[0].Identity != "email:bob@example.com" {
		t.Fatalf("sessions = %+v", l)
	}
}

func eapClient(user, password string) ike.Config {
	return ike.Config{
		LocalID: ike.EmailIdentity(user + "@example.com"), RemoteID: ike.FQDNIdentity("gw.flexvpn.test"),
		EAP: func() (ike.EAPClient, error) {
			return eap.NewPeer(eap.PeerConfig{Identity: user, Methods: []eap.Type{eap.TypeMSCHAPv2},
				Credentials: func(context.Context, eap.CredentialRequest) (eap.Credentials, error) {
					return eap.Credentials{Username: user, Password: password}, nil
				}})
		},
	}
}

func TestServerEAPMSCHAPv2(t *testing.T) {
	cfg, ca := certEAPConfig(t, "")
	s := startServer(t, cfg)
	ec := eapClient("carol", "carol-password")
	ec.CAs = []*x509.Certificate{ca.Cert.Cert}
	c := mustDial(t, ec)
	checkReply(t, c.Reply(), "203.0.113.")
	exchangePackets(t, s, c, c.Reply().Addrs[0].Addr())
	if l := s.Sessions(); len(l) != 1 || l[0].Identity != "carol" {
		t.Fatalf("sessions = %+v", l)
	}

	bad := eapClient("carol", "wrong-password")
	bad.CAs = ec.CAs
	if _, err := dial(t, bad); err == nil {
		t.Fatal("a wrong EAP password connected")
	}
}

// TestServerPoolExhausted: a pool with room for one client answers the
// second with INTERNAL_ADDRESS_FAILURE.
func TestServerPoolExhausted(t *testing.T) {
	text := strings.Replace(pskConfig, `prefix = "203.0.113.0/24"`, `prefix = "203.0.113.0/30"`, 1)
	s := startServer(t, writeConfig(t, t.TempDir(), text))
	mustDial(t, pskClient("first@example.com"))
	_, err := dial(t, pskClient("second@example.com"))
	if err == nil || !strings.Contains(err.Error(), "INTERNAL_ADDRESS_FAILURE") {
		t.Fatalf("second client: %v, want INTERNAL_ADDRESS_FAILURE", err)
	}
	if n := len(s.Sessions()); n != 1 {
		t.Fatalf("%d sessions, want 1", n)
	}
}

// TestServerSessionCaps: two sessions in total. (A second session of one
// identity cannot be tested with our client: it sends INITIAL_CONTACT,
// and the engine deletes the older SA of that identity before asking
// the configuration hook; see TestServerIdentityCap.)
func TestServerSessionCaps(t *testing.T) {
	text := pskConfig + "\n[limits]\nsessions = 2\n"
	s := startServer(t, writeConfig(t, t.TempDir(), text))
	mustDial(t, pskClient("dave@example.com"))
	mustDial(t, pskClient("erin@example.com"))
	if _, err := dial(t, pskClient("frank@example.com")); err == nil {
		t.Fatal("third session was accepted over the total cap")
	}
	if n := len(s.Sessions()); n != 2 {
		t.Fatalf("%d sessions, want 2", n)
	}
}
