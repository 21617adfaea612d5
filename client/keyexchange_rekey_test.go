package client

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/tun"

	"flexvpn/client/profile"
	"flexvpn/platform/tunif/tunfake"
	"flexvpn/server"
)

const rekeyServerConf = `[server]
listen = ["127.0.0.78"]
identity = "fqdn:gw.flexvpn.test"
dpd_interval = "0s"

[config_mode]
pool = "lan"

[pool.lan]
prefix = "203.0.113.0/24"

[keyring.any]
address = "0.0.0.0/0"
key = "rekey-psk"
`

// TestKeyExchangeSurvivesIKERekey: after the client rekeys its hybrid
// IKE SA (our server answers with IKE_FOLLOWUP_KE) the session still
// reports the hybrid, read on the SA's own goroutine without blocking it
// (the SA still answers: its Delete goes out).
func TestKeyExchangeSurvivesIKERekey(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "s.toml"), []byte(rekeyServerConf), 0o600)
	scfg, err := server.Load(filepath.Join(dir, "s.toml"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(scfg, server.Options{TUN: tunfake.New(tunfake.Config{Name: "fvs-rk"}), IKEPort: 10520, NATTPort: 14520})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })

	os.WriteFile(filepath.Join(dir, "c.secrets"), []byte(`psk = "rekey-psk"`), 0o600)
	src := "[[peer]]\nhost = \"127.0.0.78\"\n[auth]\nmethod = \"psk\"\nidentity = \"rk@example.com\"\nsecrets_file = \"c.secrets\"\n" +
		"[ike]\nike_proposals = [\"aes256gcm16-prfsha384-x25519-ke1_mlkem768\"]\n"
	os.WriteFile(filepath.Join(dir, "c.toml"), []byte(src), 0o644)
	p, err := profile.Load(filepath.Join(dir, "c.toml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := IKEConfig(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.RetransmitT = 200 * time.Millisecond
	d := &TunnelDialer{IKE: cfg, NewTUN: func() (tun.Device, error) { return tunfake.New(tunfake.Config{Name: "fv-rk"}), nil }}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sess, err := d.Dial(ctx, Target{Host: "127.0.0.78", Addr: netip.MustParseAddr("127.0.0.78"), Port: 10520, NATTPort: 14520})
	if err != nil {
		t.Fatal(err)
	}
	ts := sess.(*tunnelSession)
	spi, _ := ts.sa.SPIs()
	if err := ts.sa.RekeyIKE(); err != nil {
		t.Fatal(err)
	}
	for {
		if now, _ := ts.sa.SPIs(); now != spi {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the IKE SA was not rekeyed")
		case <-time.After(10 * time.Millisecond):
		}
	}
	if got := ts.KeyExchange(); got != "x25519 + ML-KEM-768" {
		t.Errorf("key exchange after the rekey %q, want x25519 + ML-KEM-768", got)
	}
	// A handler stuck on the SA's goroutine would leave the Delete unsent.
	cctx, ccancel := context.WithTimeout(ctx, 5*time.Second)
	defer ccancel()
	if err := ts.Close(cctx); err != nil {
		t.Fatalf("Close after the rekey = %v", err)
	}
}
