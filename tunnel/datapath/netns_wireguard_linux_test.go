package datapath

// A reference figure for the product goal (beat wireguard-go): the same
// namespace topology and iperf3 runs as TestNetnsPingAndIperf, with
// wireguard-go instead of our data plane. Opt-in, since it needs a
// wireguard-go binary:
//
//	go build -o /tmp/wireguard-go golang.zx2c4.com/wireguard
//	FLEXVPN_WIREGUARD_GO=/tmp/wireguard-go go test -run WireGuardGo -v ./tunnel/datapath

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"golang.org/x/crypto/curve25519"

	"flexvpn/test/netns"
)

// wgKeys makes a Curve25519 key pair the way WireGuard clamps them.
func wgKeys(t *testing.T) (priv, pub []byte) {
	priv = make([]byte, 32)
	if _, err := rand.Read(priv); err != nil {
		t.Fatal(err)
	}
	priv[0] &= 248
	priv[31] = priv[31]&127 | 64
	pub, err := curve25519.X25519(priv, curve25519.Basepoint)
	if err != nil {
		t.Fatal(err)
	}
	return priv, pub
}

// wgSet configures a wireguard-go interface through its UAPI socket.
func wgSet(t *testing.T, iface, cfg string) {
	t.Helper()
	var c net.Conn
	netns.WaitFor(t, 10*time.Second, func() error {
		var err error
		c, err = net.Dial("unix", "/var/run/wireguard/"+iface+".sock")
		return err
	})
	defer c.Close()
	if _, err := c.Write([]byte("set=1\n" + cfg + "\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 256)
	n, _ := c.Read(buf)
	if string(buf[:n]) != "errno=0\n\n" {
		t.Fatalf("%s: UAPI answered %q", iface, buf[:n])
	}
}

func TestNetnsWireGuardGoReference(t *testing.T) {
	wggo := os.Getenv("FLEXVPN_WIREGUARD_GO")
	if wggo == "" {
		t.Skip("reference benchmark skipped: set FLEXVPN_WIREGUARD_GO to a wireguard-go binary")
	}
	netns.Require(t)
	topo := netns.NewTopology(t, "wg")
	cliHost := topo.AddHost("cli", netip.MustParseAddr("192.0.2.10"))
	gwHost := topo.AddHost("gw", netip.MustParseAddr("192.0.2.1"))
	lan := topo.AddLAN(gwHost, "lan", netip.MustParseAddr("198.51.100.10"))
	cliHost.StartEnv([]string{"LOG_LEVEL=error"}, wggo, "-f", "wgc0")
	gwHost.StartEnv([]string{"LOG_LEVEL=error"}, wggo, "-f", "wgg0")
	cp, cpub := wgKeys(t)
	gp, gpub := wgKeys(t)
	wgSet(t, "wgc0", fmt.Sprintf("private_key=%s\nlisten_port=51820\npublic_key=%s\nendpoint=192.0.2.1:51820\nallowed_ip=198.51.100.0/24\n", hex.EncodeToString(cp), hex.EncodeToString(gpub)))
	wgSet(t, "wgg0", fmt.Sprintf("private_key=%s\nlisten_port=51820\npublic_key=%s\nendpoint=192.0.2.10:51820\nallowed_ip=203.0.113.10/32\n", hex.EncodeToString(gp), hex.EncodeToString(cpub)))
	cliHost.IP("link", "set", "wgc0", "mtu", "1420", "up")
	gwHost.IP("link", "set", "wgg0", "mtu", "1420", "up")
	cliHost.IP("addr", "add", "203.0.113.10/32", "dev", "wgc0")
	cliHost.IP("route", "add", "198.51.100.0/24", "dev", "wgc0", "src", "203.0.113.10")
	gwHost.IP("route", "add", "203.0.113.10/32", "dev", "wgg0")
	netns.WaitFor(t, 10*time.Second, func() error { return cliHost.Ping(lan.Addr) })
	lan.Start("iperf3", "-s", "-B", lan.Addr.String())
	rev := runIperf(t, cliHost, lan.Addr, 2, "-R")
	t.Logf("wireguard-go LAN -> client: %.0f Mbit/s", rev.End.SumReceived.BitsPerSecond/1e6)
	res := runIperf(t, cliHost, lan.Addr, 3)
	t.Logf("wireguard-go client -> LAN: %.0f Mbit/s", res.End.SumReceived.BitsPerSecond/1e6)
}
