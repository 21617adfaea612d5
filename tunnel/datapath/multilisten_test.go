package datapath

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"flexvpn/platform/tunif/tunfake"
)

// A Device with several listen addresses: one socket pair per address,
// each SA's ESP, keepalives and IKE leaving from the address its peer
// talks to.

var (
	loop1 = netip.MustParseAddr("127.0.0.1")
	loop2 = netip.MustParseAddr("127.0.0.2")
	loop6 = netip.MustParseAddr("::1")
)

// requireBindable skips the test when addr cannot be bound here (no
// IPv6 loopback, or a system where 127.0.0.2 is not local).
func requireBindable(t testing.TB, addr netip.Addr) {
	t.Helper()
	c, err := listenUDP(netip.AddrPortFrom(addr, 0))
	if err != nil {
		t.Skipf("cannot bind %s here: %v", addr, err)
	}
	_ = c.conn.Close()
}

// peerSocketOn is a plain UDP socket standing in for a remote peer on addr.
func peerSocketOn(t *testing.T, addr netip.Addr) (*net.UDPConn, netip.AddrPort) {
	t.Helper()
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(addr, 0)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	ap := c.LocalAddr().(*net.UDPAddr).AddrPort()
	return c, netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

func TestListenAlsoBindsEveryAddressOnSharedPorts(t *testing.T) {
	requireBindable(t, loop2)
	d, _ := newTestDevice(t, tunfake.Config{}, Config{
		ListenIKE:  netip.AddrPortFrom(loop1, 0),
		ListenAlso: []netip.Addr{loop2, netip.AddrFrom16(loop2.As16()), loop1}, // duplicates dropped
	})
	natt, ike := d.LocalAddrs(), d.IKELocalAddrs()
	if len(natt) != 2 || len(ike) != 2 {
		t.Fatalf("NAT-T sockets %v, IKE sockets %v: want two of each", natt, ike)
	}
	if natt[0] != d.LocalAddr() || ike[0] != d.IKELocalAddr() {
		t.Errorf("first sockets %v %v, want LocalAddr %v and IKELocalAddr %v", natt[0], ike[0], d.LocalAddr(), d.IKELocalAddr())
	}
	for i, want := range []netip.Addr{loop1, loop2} {
		if natt[i].Addr() != want || ike[i].Addr() != want {
			t.Errorf("socket pair %d on %v and %v, want %v", i, natt[i], ike[i], want)
		}
		if natt[i].Port() != natt[0].Port() || ike[i].Port() != ike[0].Port() {
			t.Errorf("socket pair %d on ports %d/%d, want the shared %d/%d", i, natt[i].Port(), ike[i].Port(), natt[0].Port(), ike[0].Port())
		}
	}
	if _, err := New(Config{TUN: tunfake.New(tunfake.Config{}), ListenNATT: netip.AddrPortFrom(loop1, 0),
		ListenAlso: []netip.Addr{{}}}); !errors.Is(err, ErrConfig) {
		t.Errorf("invalid ListenAlso address: %v, want ErrConfig", err)
	}
}

// TestListenAlsoESPBothWays: one server Device on two addresses, a
// client Device talking to each; packets cross both ways on both, also
// when one TUN batch holds replies for both clients.
func TestListenAlsoESPBothWays(t *testing.T) {
	for _, tc := range []struct {
		name   string
		second netip.Addr
	}{{"two-ipv4", loop2}, {"ipv4-and-ipv6", loop6}} {
		t.Run(tc.name, func(t *testing.T) {
			requireBindable(t, tc.second)
			testTwoClientsOnTwoAddresses(t, tc.second)
		})
	}
}

func testTwoClientsOnTwoAddresses(t *testing.T, second netip.Addr) {
	server, stun := newTestDevice(t, tunfake.Config{BatchSize: 8}, Config{ListenAlso: []netip.Addr{second}})
	type client struct {
		dev   *Device
		tun   *tunfake.TUN
		inner netip.Addr
	}
	var cs [2]client
	for i, local := range []netip.Addr{loop1, second} {
		c := &cs[i]
		c.dev, c.tun = newTestDevice(t, tunfake.Config{}, Config{ListenNATT: netip.AddrPortFrom(local, 0)})
		c.inner = netip.AddrFrom4([4]byte{198, 51, 100, byte(30 + i)})
		up, down := uint32(0x8100+2*i), uint32(0x8101+2*i)
		upOut, upIn := saPair(t, gcmConfig(up, byte(60+i)))
		downOut, downIn := saPair(t, gcmConfig(down, byte(70+i)))
		host := []netip.Prefix{netip.PrefixFrom(c.inner, 32)}
		must(t, server.AddInbound(up, upIn, host))
		must(t, server.SetOutboundFrom(host, downOut, local, c.dev.LocalAddr()))
		must(t, c.dev.AddInbound(down, downIn, nil))
		must(t, c.dev.SetOutbound([]netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}, upOut, server.LocalAddrs()[i]))
	}
	for i, c := range cs {
		send(t, c.tun, stun, ipv4Packet(c.inner, serverLAN, 17, udpPayload(i, 200)))
		send(t, stun, c.tun, ipv4Packet(serverLAN, c.inner, 17, udpPayload(i+10, 300)))
	}
	// Replies alternating between the clients, queued before the pump
	// reads them, so one TUN batch holds runs for both sockets.
	var want [2][][]byte
	for k := range 12 {
		i := k % 2
		pkt := ipv4Packet(serverLAN, cs[i].inner, 17, udpPayload(100+k, 100+k))
		want[i] = append(want[i], pkt)
		must(t, stun.Inject(pkt))
	}
	for i, c := range cs {
		for _, pkt := range want[i] {
			expect(t, c.tun, pkt)
		}
	}
	if s := server.Stats(); s.Drops.Total() != 0 {
		t.Errorf("server drops %+v", s.Drops)
	}
}

// TestListenAlsoSourcePerFlow: ESP (in mixed batches) and keepalives to
// each peer leave from the socket bound to the address its route names.
func TestListenAlsoSourcePerFlow(t *testing.T) {
	requireBindable(t, loop2)
	d, fake := newTestDevice(t, tunfake.Config{BatchSize: 8}, Config{
		ListenAlso: []netip.Addr{loop2},
		Keepalive:  30 * time.Millisecond,
	})
	type peer struct {
		sock  *net.UDPConn
		addr  netip.AddrPort
		local netip.Addr
		spi   uint32
		inner netip.Addr
	}
	peers := []*peer{{local: loop2, spi: 0x8201}, {local: loop1, spi: 0x8202}}
	for i, p := range peers {
		p.sock, p.addr = peerSocketOn(t, loop1)
		p.inner = netip.AddrFrom4([4]byte{198, 51, 100, byte(40 + i)})
		out, _ := saPair(t, gcmConfig(p.spi, byte(i)))
		must(t, d.SetOutboundFrom([]netip.Prefix{netip.PrefixFrom(p.inner, 32)}, out, p.local, p.addr))
	}
	const each = 6
	for k := range 2 * each {
		p := peers[k%2]
		must(t, fake.Inject(ipv4Packet(serverLAN, p.inner, 17, udpPayload(k, 400))))
	}
	for _, p := range peers {
		from := netip.AddrPortFrom(p.local, d.LocalAddr().Port())
		esp, keepalives := readFrom(t, p.sock, from, p.spi, each)
		if esp != each || keepalives < 1 {
			t.Errorf("peer via %v: %d ESP datagrams and %d keepalives", p.local, esp, keepalives)
		}
	}
}

// readFrom reads from sock until it has seen want ESP datagrams with spi
// and a keepalive, failing on anything sent from another address.
func readFrom(t *testing.T, sock *net.UDPConn, from netip.AddrPort, spi uint32, want int) (esp, keepalives int) {
	t.Helper()
	must(t, sock.SetReadDeadline(time.Now().Add(waitFor)))
	buf := make([]byte, 2048)
	for esp < want || keepalives < 1 {
		n, src, err := sock.ReadFromUDPAddrPort(buf)
		if err != nil {
			t.Fatalf("after %d ESP datagrams and %d keepalives: %v", esp, keepalives, err)
		}
		if src := netip.AddrPortFrom(src.Addr().Unmap(), src.Port()); src != from {
			t.Fatalf("datagram %x from %v, want from %v", head(buf[:n]), src, from)
		}
		switch {
		case n == 1 && buf[0] == keepaliveByte:
			keepalives++
		case n > 8 && espSPI(buf) == spi:
			esp++
		default:
			t.Fatalf("unexpected datagram %x", head(buf[:n]))
		}
	}
	return esp, keepalives
}

// TestListenAlsoIKE: IKE arriving on any of the four sockets reaches
// OnIKE with the address it came to, and SendIKE answers from the socket
// bound to the local address it is given, marker on NAT-T only.
func TestListenAlsoIKE(t *testing.T) {
	requireBindable(t, loop6)
	got := make(chan ikeMsg, 4)
	d, _ := newTestDevice(t, tunfake.Config{}, Config{
		ListenIKE:  netip.AddrPortFrom(loop1, 0),
		ListenAlso: []netip.Addr{loop6},
		OnIKE:      func(pkt []byte, l, r netip.AddrPort) { got <- ikeMsg{pkt, l, r} },
	})
	ike := bytes.Repeat([]byte{0x7c}, 32)
	marked := append([]byte{0, 0, 0, 0}, ike...)
	for i, family := range []netip.Addr{loop1, loop6} {
		sock, peer := peerSocketOn(t, family)
		for _, c := range []struct {
			local netip.AddrPort
			wire  []byte
		}{{d.LocalAddrs()[i], marked}, {d.IKELocalAddrs()[i], ike}} {
			if _, err := sock.WriteToUDPAddrPort(c.wire, c.local); err != nil {
				t.Fatal(err)
			}
			checkIKE(t, got, ikeMsg{ike, c.local, peer})
			must(t, d.SendIKE(ike, c.local, peer))
			checkDatagram(t, sock, c.wire, c.local)
		}
	}
}

// TestIPv6RemoteNeedsAnIPv6Socket: routes and IKE to an IPv6 peer are
// refused on an IPv4-only Device and accepted once an IPv6 address is
// served, on that address's socket; the inner MTU follows the family of
// the sockets the routes use.
func TestIPv6RemoteNeedsAnIPv6Socket(t *testing.T) {
	requireBindable(t, loop6)
	remote6 := netip.MustParseAddrPort("[::1]:4500")
	all6 := []netip.Prefix{netip.MustParsePrefix("::/0")}
	v4only, _ := newTestDevice(t, tunfake.Config{}, Config{})
	if err := v4only.SetOutbound(all6, nullSealer{}, remote6); !errors.Is(err, ErrNoSocket) || !errors.Is(err, ErrBadSA) {
		t.Errorf("IPv6 remote on an IPv4-only Device: %v, want ErrBadSA and ErrNoSocket", err)
	}
	if err := v4only.SendIKE([]byte{1}, netip.AddrPortFrom(loop6, 4500), remote6); !errors.Is(err, ErrNoSocket) {
		t.Errorf("IKE to an IPv6 remote on an IPv4-only Device: %v, want ErrNoSocket", err)
	}

	d, _ := newTestDevice(t, tunfake.Config{}, Config{ListenAlso: []netip.Addr{loop6}})
	if got, want := d.InnerMTU(), InnerMTU(1500, true, overheadWorstCase); got != want {
		t.Errorf("InnerMTU before any SA with an IPv6 socket = %d, want %d", got, want)
	}
	out4, _ := saPair(t, gcmConfig(0x8301, 1))
	must(t, d.SetOutbound([]netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}, out4, netip.MustParseAddrPort("127.0.0.1:4500")))
	if got, want := d.InnerMTU(), InnerMTU(1500, false, OverheadAESGCM); got != want {
		t.Errorf("InnerMTU with an IPv4 AES-GCM route = %d, want %d", got, want)
	}
	out6, _ := saPair(t, gcmConfig(0x8302, 2))
	must(t, d.SetOutbound(all6, out6, remote6))
	if r := d.tables.lookupOut(serverLAN6); r.flow.sock != 1 || r.flow.dst != remote6 {
		t.Errorf("IPv6 route on socket %d to %v, want socket 1 to %v", r.flow.sock, r.flow.dst, remote6)
	}
	if got, want := d.InnerMTU(), InnerMTU(1500, true, OverheadAESGCM); got != want {
		t.Errorf("InnerMTU with an IPv6 AES-GCM route = %d, want %d", got, want)
	}
}

// TestPickSocket: the exact address first, then the family's unspecified
// socket, then the family's first; never the other family.
func TestPickSocket(t *testing.T) {
	sock := func(s string) *udpConn {
		a := netip.MustParseAddrPort(s)
		return &udpConn{local: a, v6: a.Addr().Is6()}
	}
	socks := []*udpConn{sock("192.0.2.1:4500"), sock("[2001:db8::1]:4500"), sock("0.0.0.0:4500"), sock("[::]:4500"), sock("192.0.2.2:4500")}
	v4peer, v6peer := netip.MustParseAddr("198.51.100.9"), netip.MustParseAddr("2001:db8:9::9")
	for _, tc := range []struct {
		socks  []*udpConn
		local  string
		remote netip.Addr
		want   int
	}{
		{socks, "192.0.2.2", v4peer, 4},
		{socks, "::ffff:192.0.2.1", v4peer, 0},
		{socks, "2001:db8::1", v6peer, 1},
		{socks, "192.0.2.9", v4peer, 2},   // not ours as such: the wildcard socket
		{socks, "2001:db8::9", v6peer, 3}, // likewise for IPv6
		{socks, "", v4peer, 2},
		{socks, "192.0.2.1", v6peer, 3}, // the family decides first
		{socks[:2], "192.0.2.9", v4peer, 0},
		{socks[:1], "", v6peer, -1},
	} {
		var local netip.Addr
		if tc.local != "" {
			local = netip.MustParseAddr(tc.local)
		}
		got, ok := pickSocket(tc.socks, local, tc.remote)
		if got != tc.want || ok != (tc.want >= 0) {
			t.Errorf("pickSocket(%d sockets, %v, %v) = %d, %v; want %d", len(tc.socks), local, tc.remote, got, ok, tc.want)
		}
	}
}
