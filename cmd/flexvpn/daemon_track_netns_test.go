package main

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"flexvpn/client/ctl"
	"flexvpn/test/netns"
)

// e2ePrimary stands for the primary path a backup profile watches.
var e2ePrimary = netip.MustParseAddr("192.0.2.20")

// TestDaemonTrackProfileBacksUpAPrimary: the seed's backup tunnel. A
// connect = "track" profile with track = "primary down" stays idle while
// the daemon's real ICMP probe gets answers from the primary, comes up
// against strongSwan when the primary stops answering, and goes down
// again (Delete to the gateway) when the primary is back.
func TestDaemonTrackProfileBacksUpAPrimary(t *testing.T) {
	netns.RequireStrongSwan(t)
	e := &daemonE2E{bin: netns.GoBuild(t, "flexvpn/cmd/flexvpn"), dir: t.TempDir()}
	topo := netns.NewTopology(t, "dtrack")
	e.cli = topo.AddHost("cli", e2eCli)
	gw := topo.AddHost("gw", e2eGw)
	primary := topo.AddHost("pri", e2ePrimary)
	e.lan = topo.AddLAN(gw, "lan", e2eLAN)
	spec := netns.GatewaySpec{Addr: e2eGw, ID: e2eGwID, PSK: e2ePSK, Pool: e2ePool,
		LocalTS: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}}
	e.swan = netns.StartStrongSwan(t, gw, spec.Config())

	e.profiles = filepath.Join(e.dir, "profiles")
	writeBackupProfile(t, e.profiles)
	e.resolv = filepath.Join(e.dir, "resolv.conf")
	e.origResolv = "# test resolver\nnameserver 192.0.2.53\n"
	mustWrite(t, e.resolv, e.origResolv, 0o644)
	e.runDir = filepath.Join(e.dir, "run")
	os.Mkdir(e.runDir, 0o755)
	e.sock = filepath.Join(e.dir, "ctl.sock")
	e.before = stateOf(e.cli)
	e.daemon = e.cli.Start(e.private("daemon", "--profiles", e.profiles, "--socket", e.sock, "-v")...)

	netns.WaitFor(t, 30*time.Second, func() error { return expectTrack(e, "idle", "up") })
	primary.IP("link", "set", "eth0", "down")
	netns.WaitFor(t, 30*time.Second, func() error { return expectTrack(e, "connected", "down") })
	e.swan.WaitSA(netns.GatewayConn, true, 10*time.Second)
	netns.WaitFor(t, 10*time.Second, func() error { return e.cli.Ping(e.lan.Addr) })

	primary.IP("link", "set", "eth0", "up")
	netns.WaitFor(t, 30*time.Second, func() error { return expectTrack(e, "idle", "up") })
	netns.WaitFor(t, 10*time.Second, func() error { return noSAs(e.swan) })
	checkState(t, e.cli, e.before, e.resolv, e.origResolv)
}

func writeBackupProfile(t *testing.T, dir string) {
	t.Helper()
	os.MkdirAll(dir, 0o755)
	mustWrite(t, filepath.Join(dir, "hq.secrets"), fmt.Sprintf("psk = %q\n", e2ePSK), 0o600)
	mustWrite(t, filepath.Join(dir, "backup.toml"), fmt.Sprintf(`name = "backup"
connect = "track"
track = "primary down"

[[peer]]
host = %q

[auth]
method = "psk"
identity = "backup.%s"
secrets_file = "hq.secrets"

[gateway]
identity = %q

[[track_object]]
name = "primary"
probe = "icmp"
target = %q
interval = "500ms"
threshold = 2
`, e2eGw, e2eCliID, e2eGwID, e2ePrimary), 0o644)
}

// expectTrack checks the backup profile's state and its object's.
func expectTrack(e *daemonE2E, state, object string) error {
	out, err := e.run("status", "backup", "--json")
	if err != nil {
		return fmt.Errorf("status: %w: %s", err, out)
	}
	var st []ctl.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		return fmt.Errorf("status output %q: %w", out, err)
	}
	if len(st) != 1 || st[0].State != state || len(st[0].Track) != 1 || st[0].Track[0].State != object {
		return fmt.Errorf("backup is %+v, want %s with its object %s", st, state, object)
	}
	return nil
}
