package datapath

import (
	"bytes"
	"net"
	"net/netip"
	"testing"
	"time"

	"flexvpn/platform/tunif/tunfake"
)

type ikeMsg struct {
	pkt           []byte
	local, remote netip.AddrPort
}

func TestIKEOverNATTAndPlainSockets(t *testing.T) {
	got := make(chan ikeMsg, 4)
	d, _ := newTestDevice(t, tunfake.Config{}, Config{
		ListenIKE: netip.MustParseAddrPort("127.0.0.1:0"),
		OnIKE:     func(pkt []byte, l, r netip.AddrPort) { got <- ikeMsg{pkt, l, r} },
	})
	sock := peerSocket(t)
	peer := sock.LocalAddr().(*net.UDPAddr).AddrPort()
	ike := bytes.Repeat([]byte{0x5a}, 40)

	// Inbound on 4500: the marker is stripped.
	if _, err := sock.WriteToUDPAddrPort(append([]byte{0, 0, 0, 0}, ike...), d.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	checkIKE(t, got, ikeMsg{ike, d.LocalAddr(), peer})
	// Inbound on 500: taken as is, even if it starts with zeros.
	plain := append([]byte{0, 0, 0, 0}, ike...)
	if _, err := sock.WriteToUDPAddrPort(plain, d.IKELocalAddr()); err != nil {
		t.Fatal(err)
	}
	checkIKE(t, got, ikeMsg{plain, d.IKELocalAddr(), peer})

	// Outbound from 4500 carries the marker; from 500 it does not.
	must(t, d.SendIKE(ike, d.LocalAddr(), peer))
	checkDatagram(t, sock, append([]byte{0, 0, 0, 0}, ike...), d.LocalAddr())
	must(t, d.SendIKE(ike, d.IKELocalAddr(), peer))
	checkDatagram(t, sock, ike, d.IKELocalAddr())
	if s := d.Stats(); s.IKEIn != 2 || s.IKEOut != 2 {
		t.Errorf("IKE counters in %d out %d, want 2 and 2", s.IKEIn, s.IKEOut)
	}
	_ = d.Close()
	if err := d.SendIKE(ike, d.LocalAddr(), peer); err == nil {
		t.Error("SendIKE after Close succeeded")
	}
}

func checkIKE(t *testing.T, got <-chan ikeMsg, want ikeMsg) {
	t.Helper()
	select {
	case m := <-got:
		if !bytes.Equal(m.pkt, want.pkt) || m.local != want.local || m.remote != want.remote {
			t.Fatalf("OnIKE(%x, %v, %v), want (%x, %v, %v)", head(m.pkt), m.local, m.remote, head(want.pkt), want.local, want.remote)
		}
	case <-time.After(waitFor):
		t.Fatal("OnIKE not called")
	}
}

func checkDatagram(t *testing.T, sock *net.UDPConn, want []byte, from netip.AddrPort) {
	t.Helper()
	must(t, sock.SetReadDeadline(time.Now().Add(waitFor)))
	buf := make([]byte, 2048)
	n, src, err := sock.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf[:n], want) || src != from {
		t.Fatalf("peer got %x from %v, want %x from %v", head(buf[:n]), src, head(want), from)
	}
}

// TestKeepalives checks that an idle Device sends 0xFF to its peer, and
// that the peer counts rather than forwards it.
func TestKeepalives(t *testing.T) {
	client, _ := newTestDevice(t, tunfake.Config{}, Config{Keepalive: 30 * time.Millisecond})
	server, _ := newTestDevice(t, tunfake.Config{}, Config{})
	out, _ := saPair(t, gcmConfig(0x4001, 1))
	must(t, client.SetOutbound([]netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}, out, server.LocalAddr()))
	// The sender counts after the send returns, possibly after the
	// receiver has counted: wait for both.
	waitUntil(t, func() bool { return server.Stats().KeepalivesIn >= 3 && client.Stats().KeepalivesOut >= 3 })
	if s := server.Stats(); s.PacketsIn != 0 || s.Drops.Total() != 0 {
		t.Errorf("keepalives leaked into packet or drop counters: %+v", s)
	}
}

// TestTrafficPostponesKeepalives sends packets much more often than the
// keepalive interval; no keepalive should be needed meanwhile.
func TestTrafficPostponesKeepalives(t *testing.T) {
	const interval = time.Second // generous: a loaded CI machine stalls goroutines
	p := newPairWith(t, gcmConfig, tunfake.Config{}, Config{Keepalive: interval})
	client, ctun := p.client, p.ctun
	deadline := time.Now().Add(2 * interval)
	for i := 0; time.Now().Before(deadline); i++ {
		send(t, ctun, p.stun, ipv4Packet(clientInner, serverLAN, 17, udpPayload(i, 20)))
		time.Sleep(5 * time.Millisecond)
	}
	if n := client.Stats().KeepalivesOut; n != 0 {
		t.Errorf("%d keepalives sent while traffic flowed", n)
	}
}

// TestIKEPostponesKeepalives checks that an IKE message sent over NAT-T
// counts as traffic for the flow it went on, whether its route was
// installed with the IKE SA's local address or without one.
func TestIKEPostponesKeepalives(t *testing.T) {
	d, _ := newTestDevice(t, tunfake.Config{}, Config{})
	local := d.LocalAddr()
	for _, from := range []netip.Addr{local.Addr(), {}} {
		sock := peerSocket(t)
		remote := sock.LocalAddr().(*net.UDPAddr).AddrPort()
		must(t, d.SetOutboundFrom([]netip.Prefix{netip.MustParsePrefix("10.9.0.0/16")}, nullSealer{}, from, remote))
		p := d.tables.peer(flow{src: from, dst: remote})
		if p == nil {
			t.Fatalf("no peer for the route from %v", from)
		}
		p.lastSent.Store(-1)
		must(t, d.SendIKE([]byte("ike"), local, remote))
		if p.lastSent.Load() < 0 {
			t.Errorf("route from %v: an IKE message sent from %v did not postpone its keepalive", from, local)
		}
	}
}
