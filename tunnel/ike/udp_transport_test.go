package ike

import (
	"context"
	"math/rand/v2"
	"net"
	"net/netip"
	"testing"
	"time"

	"flexvpn/tunnel/ike/wire"
)

// listenLoopback opens a UDPTransport on 127.0.0.1 with random high
// ports (so the test needs no privileges), retrying on collisions.
func listenLoopback(t *testing.T) *UDPTransport {
	t.Helper()
	for range 20 {
		base := uint16(20000 + rand.IntN(20000))
		tr, err := ListenUDP(netip.MustParseAddr("127.0.0.1"), base, base+1)
		if err == nil {
			t.Cleanup(func() { tr.Close() })
			return tr
		}
	}
	t.Fatal("no free UDP ports")
	return nil
}

// TestUDPTransport: a full handshake over real loopback sockets; then an
// IKE_SA_INIT with the non-ESP marker sent to the NAT-T socket is
// answered from that socket with the marker prepended, and an ESP-looking
// packet there goes to OnESP, not to IKE.
func TestUDPTransport(t *testing.T) {
	ctr, str := listenLoopback(t), listenLoopback(t)
	cIKE, cNATT := ctr.LocalAddrs()
	sIKE, sNATT := str.LocalAddrs()
	s := pskServer()
	esp := make(chan []byte, 1)
	str.OnESP = func(pkt []byte, _, _ netip.AddrPort) {
		select {
		case esp <- append([]byte(nil), pkt...):
		default:
		}
	}
	srv, err := NewEndpoint(EndpointConfig{Transport: str, Local: sIKE.Addr(), IKEPort: sIKE.Port(), NATTPort: sNATT.Port(), Responder: &s})
	if err != nil {
		t.Fatal(err)
	}
	cli, err := NewEndpoint(EndpointConfig{Transport: ctr, Local: cIKE.Addr(), IKEPort: cIKE.Port(), NATTPort: cNATT.Port()})
	if err != nil {
		t.Fatal(err)
	}
	str.Serve(srv)
	ctr.Serve(cli)
	defer srv.Close()
	defer cli.Close()
	sa, err := cli.Initiate(context.Background(), pskClient(), sIKE)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sa.WaitUp(ctx); err != nil {
		t.Fatal(err)
	}
	checkMarkerRoundTrip(t, sNATT)
	// Too short for ESP: nothing at all. ESP: handed to OnESP.
	raw := []byte{0x12, 0x34, 0x56, 0x78, 0, 0, 0, 1}
	for _, p := range [][]byte{{1, 2}, raw} {
		if _, err := ctr.natt.WriteToUDPAddrPort(p, sNATT); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case got := <-esp:
		if string(got) != string(raw) {
			t.Fatalf("OnESP got %x", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ESP packet not handed to OnESP")
	}
}

// checkMarkerRoundTrip sends marker+IKE_SA_INIT to natt from a raw socket
// and expects marker+IKE_SA_INIT response back.
func checkMarkerRoundTrip(t *testing.T, natt netip.AddrPort) {
	t.Helper()
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	m := &wire.Message{Header: wire.Header{SPIi: 77, Exchange: wire.IKE_SA_INIT, Flags: wire.FlagInitiator},
		Payloads: []wire.Payload{&wire.SA{Proposals: toWire(DefaultIKEProposals(), wire.ProtoIKE, nil, true)}}}
	b, _ := m.Encode()
	if _, err := c.WriteToUDPAddrPort(append([]byte{0, 0, 0, 0}, b...), natt); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 2048)
	n, _, err := c.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatal(err)
	}
	if n < 4+wire.HeaderLen || buf[0]|buf[1]|buf[2]|buf[3] != 0 {
		t.Fatalf("answer without non-ESP marker: %x", buf[:min(n, 8)])
	}
	h, err := wire.DecodeHeader(buf[4:n])
	if err != nil || !h.IsResponse() || h.SPIi != 77 {
		t.Fatalf("answer %+v %v", h, err)
	}
}
