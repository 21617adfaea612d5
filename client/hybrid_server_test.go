package client_test

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/tun"

	"flexvpn/client"
	"flexvpn/client/profile"
	"flexvpn/platform/tunif/tunfake"
)

// TestHybridProposalAgainstOurServer: a profile's ike_proposals reach the
// wire, our server (whose defaults put a hybrid first) agrees to them,
// and the session reports the key exchange the two sides ran.
func TestHybridProposalAgainstOurServer(t *testing.T) {
	srv, _ := startForwardedServer(t)
	for _, c := range []struct{ proposal, want string }{
		{"aes256gcm16-prfsha384-x25519-ke1_mlkem768", "x25519 + ML-KEM-768"},
		{"aes256gcm16-prfsha384-ecp384", "ecp384"},
	} {
		t.Run(c.want, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "h.secrets"), []byte(`psk = "forwarded-psk"`), 0o600)
			src := "[[peer]]\nhost = \"127.0.0.78:10500\"\nnatt_port = 14500\n[auth]\nmethod = \"psk\"\n" +
				"identity = \"pq@example.com\"\nsecrets_file = \"h.secrets\"\n[ike]\nike_proposals = [\"" + c.proposal + "\"]\n"
			os.WriteFile(filepath.Join(dir, "h.toml"), []byte(src), 0o644)
			p, err := profile.Load(filepath.Join(dir, "h.toml"))
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := client.IKEConfig(p, nil)
			if err != nil {
				t.Fatal(err)
			}
			cfg.RetransmitT = 200 * time.Millisecond
			d := &client.TunnelDialer{IKE: cfg, NewTUN: func() (tun.Device, error) { return tunfake.New(tunfake.Config{Name: "fv-pq"}), nil }}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			sess, err := d.Dial(ctx, client.Target{Host: "127.0.0.78", Addr: netip.MustParseAddr("127.0.0.78"),
				Port: fwdIKEPort, NATTPort: fwdNATTPort})
			if err != nil {
				t.Fatal(err)
			}
			kx, ok := sess.(client.KeyExchanging)
			if !ok {
				t.Fatal("the tunnel session does not report its key exchange")
			}
			if got := kx.KeyExchange(); got != c.want {
				t.Errorf("key exchange %q, want %q", got, c.want)
			}
			if err := sess.Close(ctx); err != nil {
				t.Errorf("Close = %v", err)
			}
			waitNoSessions(t, srv)
		})
	}
}
