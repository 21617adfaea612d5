package client_test

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/tun"

	"flexvpn/client"
	"flexvpn/client/profile"
	"flexvpn/platform/tunif/tunfake"
	"flexvpn/server"
	"flexvpn/tunnel/ike"
)

// The gateway behind a port forward: IKE on 10500, NAT-T on 14500,
// nothing on 500 or 4500. High ports on loopback need no root.
const (
	fwdIKEPort  = 10500
	fwdNATTPort = 14500
)

const fwdServerConf = `[server]
listen = ["127.0.0.78"]
identity = "fqdn:gw.flexvpn.test"
dpd_interval = "0s"

[config_mode]
pool = "lan"
split_networks = ["198.51.100.0/24"]

[pool.lan]
prefix = "203.0.113.0/24"
gateway = "203.0.113.1"

[keyring.any]
address = "0.0.0.0/0"
key = "forwarded-psk"
`

func startForwardedServer(t *testing.T) (*server.Server, *tunfake.TUN) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "server.toml")
	if err := os.WriteFile(path, []byte(fwdServerConf), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := server.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	ft := tunfake.New(tunfake.Config{Name: "fvs-fwd"})
	srv, err := server.New(cfg, server.Options{TUN: ft, IKEPort: fwdIKEPort, NATTPort: fwdNATTPort})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, ft
}

// recordApplier remembers the last reply applied.
type recordApplier struct {
	mu    sync.Mutex
	reply client.Reply
}

func (a *recordApplier) Apply(_ netip.Addr, r client.Reply) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.reply = r
	return nil
}

func (a *recordApplier) inner() netip.Addr {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.reply.Addrs[0].Addr()
}

func (a *recordApplier) Clear() error { return nil }

type addrResolver struct{}

func (addrResolver) Resolve(_ context.Context, host string) (netip.Addr, error) {
	return netip.ParseAddr(host)
}

// TestGatewayOnForwardedPorts: a profile's host = "addr:port" and
// natt_port reach a gateway that listens on neither 500 nor 4500, both
// through its IKE port and (one forwarded port) straight on NAT-T.
func TestGatewayOnForwardedPorts(t *testing.T) {
	srv, gwTUN := startForwardedServer(t)
	for _, peer := range []string{
		"host = \"127.0.0.78:10500\"\nnatt_port = 14500",
		"host = \"127.0.0.78:14500\"\nnatt_port = 14500",
	} {
		t.Run(peer, func(t *testing.T) {
			p, cfg := pskProfile(t, "connect = \"manual\"\n[[peer]]\n"+peer+"\n", "fwd@example.com", "")
			applier, clientTUN := &recordApplier{}, tunfake.New(tunfake.Config{Name: "fv-fwd"})
			conn := client.NewConn(client.ConnConfig{
				Profile:  p,
				Dialer:   &client.TunnelDialer{IKE: cfg, NewTUN: func() (tun.Device, error) { return clientTUN, nil }},
				Resolver: addrResolver{}, Applier: applier,
			})
			states := conn.Watch()
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- conn.Run(ctx) }()
			defer func() { cancel(); <-done }()
			waitState(t, states, client.StateConnected, 20*time.Second)
			if l := srv.Sessions(); len(l) != 1 || l[0].Identity != "email:fwd@example.com" {
				t.Fatalf("server sessions %+v", l)
			}
			// ESP in UDP crosses the forwarded NAT-T port.
			lan := netip.MustParseAddr("198.51.100.10")
			tunfake.InjectUntilReceived(t, clientTUN, gwTUN.Written(), tunfake.UDP4(applier.inner(), lan, []byte("ping")), "gateway TUN")
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("Run = %v", err)
			}
			done <- nil
			waitNoSessions(t, srv)
		})
	}
}

func waitState(t *testing.T, states <-chan client.State, want client.State, within time.Duration) {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case s := <-states:
			if s == want {
				return
			}
			if s == client.StateFailed {
				t.Fatalf("connection failed before reaching %v", want)
			}
		case <-deadline:
			t.Fatalf("not %v within %v", want, within)
		}
	}
}

// waitNoSessions: the disconnect reached the gateway (Delete on the
// forwarded ports too) before the next case dials again.
func waitNoSessions(t *testing.T, srv *server.Server) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(srv.Sessions()) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("server still holds %+v", srv.Sessions())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// pskProfile loads a profile with the forwarded-psk secret: head (its
// connect mode and peers) and tail (e.g. an [ike] section) around a PSK
// [auth] section for identity; it returns the profile and its engine
// configuration with quick retransmissions.
func pskProfile(t *testing.T, head, identity, tail string) (*profile.Profile, ike.Config) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.secrets"), []byte(`psk = "forwarded-psk"`), 0o600); err != nil {
		t.Fatal(err)
	}
	src := head + "[auth]\nmethod = \"psk\"\nidentity = \"" + identity + "\"\nsecrets_file = \"p.secrets\"\n" + tail
	if err := os.WriteFile(filepath.Join(dir, "p.toml"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := profile.Load(filepath.Join(dir, "p.toml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := client.IKEConfig(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.RetransmitT = 200 * time.Millisecond
	return p, cfg
}
