package client_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/tun"

	"flexvpn/client"
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
			_, cfg := pskProfile(t, "[[peer]]\nhost = \"127.0.0.78:10500\"\nnatt_port = 14500\n", "pq@example.com",
				"[ike]\nike_proposals = [\""+c.proposal+"\"]\n")
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
