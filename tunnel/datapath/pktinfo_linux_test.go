package datapath

import (
	"bytes"
	"net/netip"
	"testing"

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

func TestParsePktinfoJunk(t *testing.T) {
	for _, oob := range [][]byte{nil, {1, 2, 3}, make([]byte, 16), bytes.Repeat([]byte{0xff}, 40)} {
		if a, ok := parsePktinfo(oob); ok {
			t.Errorf("parsePktinfo(%x) = %v, want nothing", oob, a)
		}
	}
}
