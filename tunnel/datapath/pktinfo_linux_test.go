package datapath

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"flexvpn/platform/tunif/tunfake"
)

// TestWildcardLocalAddress binds 0.0.0.0 and talks to the Device on two
// loopback addresses: OnIKE must see the address each datagram was sent
// to, and SendIKE must answer from it.
func TestWildcardLocalAddress(t *testing.T) {
	got := make(chan ikeMsg, 4)
	d, _ := newTestDevice(t, tunfake.Config{}, Config{
		ListenNATT: netip.MustParseAddrPort("0.0.0.0:0"),
		ListenIKE:  netip.MustParseAddrPort("0.0.0.0:0"),
		OnIKE:      func(pkt []byte, l, r netip.AddrPort) { got <- ikeMsg{pkt, l, r} },
	})
	sock := peerSocket(t)
	peer := netip.MustParseAddrPort(sock.LocalAddr().String())
	ike := bytes.Repeat([]byte{0x6b}, 36)
	for _, addr := range []string{"127.0.0.1", "127.0.0.2"} {
		local := netip.AddrPortFrom(netip.MustParseAddr(addr), d.LocalAddr().Port())
		if _, err := sock.WriteToUDPAddrPort(append([]byte{0, 0, 0, 0}, ike...), local); err != nil {
			t.Fatal(err)
		}
		checkIKE(t, got, ikeMsg{ike, local, peer})
		must(t, d.SendIKE(ike, local, peer))
		checkDatagram(t, sock, append([]byte{0, 0, 0, 0}, ike...), local)

		plain := netip.AddrPortFrom(local.Addr(), d.IKELocalAddr().Port())
		if _, err := sock.WriteToUDPAddrPort(ike, plain); err != nil {
			t.Fatal(err)
		}
		checkIKE(t, got, ikeMsg{ike, plain, peer})
		must(t, d.SendIKE(ike, plain, peer))
		checkDatagram(t, sock, ike, plain)
	}
}

func TestParsePktinfo(t *testing.T) {
	v4 := unix.PktInfo4(&unix.Inet4Pktinfo{Addr: [4]byte{192, 0, 2, 7}})
	v6 := unix.PktInfo6(&unix.Inet6Pktinfo{Addr: netip.MustParseAddr("2001:db8::7").As16()})
	if a, ok := parsePktinfo(v4); !ok || a != netip.MustParseAddr("192.0.2.7") {
		t.Errorf("IPv4 pktinfo parsed as %v, %v", a, ok)
	}
	if a, ok := parsePktinfo(v6); !ok || a != netip.MustParseAddr("2001:db8::7") {
		t.Errorf("IPv6 pktinfo parsed as %v, %v", a, ok)
	}
	if a, ok := parsePktinfo(append(unix.UnixRights(3), v4...)); !ok || a != netip.MustParseAddr("192.0.2.7") {
		t.Errorf("pktinfo after another control message parsed as %v, %v", a, ok)
	}
	for _, oob := range [][]byte{nil, {1, 2, 3}, make([]byte, 16), bytes.Repeat([]byte{0xff}, 40), v4[:unix.CmsgLen(unix.SizeofInet4Pktinfo)-1], v6[:20]} {
		if a, ok := parsePktinfo(oob); ok {
			t.Errorf("parsePktinfo(%x) = %v, want nothing", oob, a)
		}
	}
}

// FuzzParsePktinfo: control messages come from the kernel, but the parser
// must not trust their lengths either.
func FuzzParsePktinfo(f *testing.F) {
	f.Add(unix.PktInfo4(&unix.Inet4Pktinfo{Addr: [4]byte{192, 0, 2, 7}}))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, oob []byte) { parsePktinfo(oob) })
}

// TestWildcardESPSource: with SetOutboundFrom, ESP (GSO trains included)
// and keepalives leave a wildcard socket from the chosen local address.
func TestWildcardESPSource(t *testing.T) {
	d, fake := newTestDevice(t, tunfake.Config{BatchSize: 8}, Config{
		ListenNATT: netip.MustParseAddrPort("0.0.0.0:0"),
		Keepalive:  30 * time.Millisecond,
	})
	sock := peerSocket(t)
	peer := netip.MustParseAddrPort(sock.LocalAddr().String())
	out, _ := saPair(t, gcmConfig(0x9001, 1))
	local := netip.MustParseAddr("127.0.0.2")
	must(t, d.SetOutboundFrom([]netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}, out, local, peer))
	for i := range 8 {
		must(t, fake.Inject(ipv4Packet(clientInner, serverLAN, 17, udpPayload(i, 500))))
	}
	want := netip.AddrPortFrom(local, d.LocalAddr().Port())
	must(t, sock.SetReadDeadline(time.Now().Add(waitFor)))
	buf := make([]byte, 2048)
	esp, keepalives := 0, 0
	for esp < 8 || keepalives < 1 {
		n, src, err := sock.ReadFromUDPAddrPort(buf)
		if err != nil {
			t.Fatalf("after %d ESP datagrams and %d keepalives: %v", esp, keepalives, err)
		}
		if src != want {
			t.Fatalf("datagram %x from %v, want from %v", head(buf[:n]), src, want)
		}
		if n == 1 && buf[0] == keepaliveByte {
			keepalives++
		} else if n > 8 && espSPI(buf) == 0x9001 {
			esp++
		}
	}
}
