package datapath

import (
	"fmt"
	"net/netip"
	"testing"

	"flexvpn/platform/tunif/tunfake"
	"flexvpn/tunnel/esp"
)

// TestServerManyClients is the server's shape: one Device, one SA pair and
// one /32 host route per client. Replies must reach the right client, and
// a client may not send with another client's inner address.
func TestServerManyClients(t *testing.T) {
	const clients = 3
	server, stun := newTestDevice(t, tunfake.Config{BatchSize: 8}, Config{})
	type client struct {
		dev   *Device
		tun   *tunfake.TUN
		inner netip.Addr
		out   *esp.Outbound
	}
	cs := make([]client, clients)
	for i := range cs {
		c := &cs[i]
		c.dev, c.tun = newTestDevice(t, tunfake.Config{}, Config{})
		c.inner = netip.MustParseAddr(fmt.Sprintf("198.51.100.%d", 20+i))
		up := uint32(0x7000 + 2*i)
		var upIn *esp.Inbound
		c.out, upIn = saPair(t, gcmConfig(up, byte(10+i)))
		downOut, downIn := saPair(t, gcmConfig(up+1, byte(40+i)))
		host := []netip.Prefix{netip.PrefixFrom(c.inner, 32)}
		must(t, server.AddInbound(up, upIn, host))
		must(t, server.SetOutbound(host, downOut, c.dev.LocalAddr()))
		must(t, c.dev.AddInbound(up+1, downIn, nil))
		must(t, c.dev.SetOutbound([]netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}, c.out, server.LocalAddr()))
	}
	for round := range 3 {
		for i, c := range cs {
			send(t, c.tun, stun, ipv4Packet(c.inner, serverLAN, 17, udpPayload(round*10+i, 100)))
		}
		// Replies in reverse order, in one burst through the server.
		replies := make([][]byte, clients)
		for i := clients - 1; i >= 0; i-- {
			replies[i] = ipv4Packet(serverLAN, cs[i].inner, 17, udpPayload(round*10+i+100, 100+i))
			must(t, stun.Inject(replies[i]))
		}
		for i, c := range cs {
			expect(t, c.tun, replies[i])
		}
	}

	// Client 0 claims client 1's address: its own SA does not cover it.
	before := server.Stats().Drops.Policy
	must(t, cs[0].tun.Inject(ipv4Packet(cs[1].inner, serverLAN, 17, udpPayload(99, 10))))
	waitUntil(t, func() bool { return server.Stats().Drops.Policy == before+1 })

	// Removing a client's route stops its replies, and only its replies.
	server.RemoveOutbound([]netip.Prefix{netip.PrefixFrom(cs[2].inner, 32)})
	must(t, stun.Inject(ipv4Packet(serverLAN, cs[2].inner, 17, nil)))
	waitUntil(t, func() bool { return server.Stats().Drops.NoOutboundSA == 1 })
	send(t, stun, cs[1].tun, ipv4Packet(serverLAN, cs[1].inner, 17, udpPayload(7, 30)))
}
