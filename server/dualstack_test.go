package server_test

import (
	"net/netip"
	"strings"
	"testing"

	"flexvpn/platform/tunif/tunfake"
)

// TestServerDualStack: a client that asks for both families gets an
// address from each pool, and IPv6 packets reach it.
func TestServerDualStack(t *testing.T) {
	text := strings.Replace(pskConfig, `pool = "lan"`, "pool = \"lan\"\npool6 = \"lan6\"", 1) +
		"\n[pool.lan6]\nprefix = \"2001:db8:200::/120\"\n"
	text = strings.Replace(text, `split_networks = ["198.51.100.0/24"]`, `split_networks = ["198.51.100.0/24", "2001:db8:100::/48"]`, 1)
	s := startServer(t, writeConfig(t, t.TempDir(), text))
	c := mustDial(t, pskClient("dual@example.com"))
	var v6 netip.Addr
	for _, p := range c.Reply().Addrs {
		if p.Addr().Is6() {
			v6 = p.Addr()
		}
	}
	if !netip.MustParsePrefix("2001:db8:200::/120").Contains(v6) {
		t.Fatalf("addresses %v, want one from 2001:db8:200::/120", c.Reply().Addrs)
	}
	if l := s.Sessions(); len(l) != 1 || l[0].IP6 != v6 {
		t.Fatalf("sessions = %+v", l)
	}
	pkt := ipv6(netip.MustParseAddr("2001:db8:100::10"), v6, []byte("hello v6"))
	tunfake.InjectUntilReceived(t, s.tun, c.tun.Written(), pkt, "client TUN (IPv6)")
}

// ipv6 builds a minimal IPv6 packet with a UDP-numbered payload (the
// data plane routes by destination; nothing checks the UDP header).
func ipv6(src, dst netip.Addr, payload []byte) []byte {
	p := make([]byte, 40+len(payload))
	p[0], p[6], p[7] = 0x60, 17, 64
	p[4], p[5] = byte(len(payload)>>8), byte(len(payload))
	s, d := src.As16(), dst.As16()
	copy(p[8:], s[:])
	copy(p[24:], d[:])
	copy(p[40:], payload)
	return p
}
