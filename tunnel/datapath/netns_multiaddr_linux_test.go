package datapath

import (
	"bytes"
	"net"
	"net/netip"
	"testing"
	"time"

	"flexvpn/platform/tunif/tunfake"
	"flexvpn/test/netns"
)

// TestNetnsWildcardSourcePerAddress: a gateway Device on 0.0.0.0 and ::
// in a namespace whose interface has two addresses of each family. A peer
// whose IKE SA uses the address the kernel would not pick as source must
// still get ESP, keepalives and IKE from that address: loopback cannot
// show this for IPv6, which has only ::1 there.
//
//	cli 192.0.2.10, 2001:db8::10 ── gw 192.0.2.1 + 192.0.2.5, 2001:db8::1 + 2001:db8::5
func TestNetnsWildcardSourcePerAddress(t *testing.T) {
	netns.Require(t)
	topo := netns.NewTopology(t, "dpma")
	topo.DualStack()
	cli := topo.AddHost("cli", netip.MustParseAddr("192.0.2.10"))
	gw := topo.AddHost("gw", netip.MustParseAddr("192.0.2.1"))
	second4, second6 := netip.MustParseAddr("192.0.2.5"), netip.MustParseAddr("2001:db8::5")
	gw.IP("addr", "add", second4.String()+"/24", "dev", "eth0")
	gw.IP("addr", "add", second6.String()+"/64", "dev", "eth0", "nodad")

	var d *Device
	fake := tunfake.New(tunfake.Config{BatchSize: 8})
	must(t, gw.Do(func() error {
		var err error
		d, err = New(Config{TUN: fake, ListenNATT: netip.MustParseAddrPort("0.0.0.0:4500"),
			ListenAlso: []netip.Addr{netip.IPv6Unspecified()}, Keepalive: 50 * time.Millisecond})
		return err
	}))
	t.Cleanup(func() { _ = d.Close() })

	for i, pair := range [][2]netip.Addr{{gw.Addr, second4}, {gw.Addr6, second6}} {
		var sock *net.UDPConn
		cliAddr := cli.Addr
		if pair[0].Is6() {
			cliAddr = cli.Addr6
		}
		local := otherThanKernels(t, gw, cliAddr, pair)
		must(t, cli.Do(func() error {
			var err error
			sock, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(cliAddr, 0)))
			return err
		}))
		t.Cleanup(func() { _ = sock.Close() })
		peer := netip.AddrPortFrom(cliAddr, uint16(sock.LocalAddr().(*net.UDPAddr).Port))
		spi := uint32(0x8401 + i)
		inner := netip.AddrFrom4([4]byte{203, 0, 113, byte(10 + i)})
		out, _ := saPair(t, gcmConfig(spi, byte(i)))
		must(t, d.SetOutboundFrom([]netip.Prefix{netip.PrefixFrom(inner, 32)}, out, local, peer))
		for k := range 4 {
			must(t, fake.Inject(ipv4Packet(serverLAN, inner, 17, udpPayload(k, 300))))
		}
		from := netip.AddrPortFrom(local, 4500)
		if esp, keepalives := readFrom(t, sock, from, spi, 4); esp != 4 || keepalives < 1 {
			t.Errorf("peer via %v: %d ESP datagrams and %d keepalives", local, esp, keepalives)
		}
		ike := bytes.Repeat([]byte{0x3e}, 28)
		must(t, d.SendIKE(ike, from, peer))
		waitIKEFrom(t, sock, append([]byte{0, 0, 0, 0}, ike...), from)
	}
}

// otherThanKernels returns the address of pair that h's kernel would not
// choose as the source towards dst.
func otherThanKernels(t *testing.T, h *netns.Host, dst netip.Addr, pair [2]netip.Addr) netip.Addr {
	t.Helper()
	var chosen netip.Addr
	must(t, h.Do(func() error {
		c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(dst, 4500)))
		if err != nil {
			return err
		}
		defer c.Close()
		chosen = c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap()
		return nil
	}))
	if chosen == pair[0] {
		return pair[1]
	}
	if chosen != pair[1] {
		t.Fatalf("the kernel picks %v towards %v, neither of %v", chosen, dst, pair)
	}
	return pair[0]
}

// waitIKEFrom reads until the IKE datagram want arrives (keepalives may
// come first) and checks where it came from.
func waitIKEFrom(t *testing.T, sock *net.UDPConn, want []byte, from netip.AddrPort) {
	t.Helper()
	must(t, sock.SetReadDeadline(time.Now().Add(waitFor)))
	buf := make([]byte, 2048)
	for {
		n, src, err := sock.ReadFromUDPAddrPort(buf)
		if err != nil {
			t.Fatalf("no IKE datagram from %v: %v", from, err)
		}
		if n == 1 && buf[0] == keepaliveByte {
			continue
		}
		if src := netip.AddrPortFrom(src.Addr().Unmap(), src.Port()); !bytes.Equal(buf[:n], want) || src != from {
			t.Fatalf("got %x from %v, want %x from %v", head(buf[:n]), src, head(want), from)
		}
		return
	}
}
