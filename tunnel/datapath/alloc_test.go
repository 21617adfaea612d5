package datapath

import (
	"net/netip"
	"testing"

	"flexvpn/platform/tunif/tunfake"
)

// TestHotPathsDoNotAllocate drives the per-packet code of both directions
// directly, sockets included, and requires zero allocations. The Device
// listens on two addresses and each batch goes out through both sockets,
// so switching writers between runs is covered too.
func TestHotPathsDoNotAllocate(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counting is slow-ish")
	}
	requireBindable(t, loop2)
	d, _ := newTestDevice(t, tunfake.Config{OnWrite: func([]byte) {}, BatchSize: 4}, Config{ListenAlso: []netip.Addr{loop2}})
	out, in := saPair(t, gcmConfig(0x6001, 1))
	out2, in2 := saPair(t, gcmConfig(0x6002, 2))
	must(t, d.AddInbound(0x6001, in, nil))
	must(t, d.AddInbound(0x6002, in2, nil))
	// Each route sends to the other socket: what one sends the other receives.
	socks := d.LocalAddrs()
	must(t, d.SetOutboundFrom([]netip.Prefix{netip.PrefixFrom(serverLAN, 32)}, out, loop1, socks[1]))
	must(t, d.SetOutboundFrom([]netip.Prefix{netip.PrefixFrom(clientInner, 32)}, out2, loop2, socks[0]))
	if r1, r2 := d.tables.lookupOut(serverLAN), d.tables.lookupOut(clientInner); r1.flow.sock != 0 || r2.flow.sock != 1 {
		t.Fatalf("routes on sockets %d and %d, want 0 and 1", r1.flow.sock, r2.flow.sock)
	}
	inner := ipv4Packet(clientInner, serverLAN, 6, tcpSYN(clientInner, serverLAN, tcpFlagSYN, mssOpt(1460))[ipv4HeaderLen:])
	inner2 := ipv4Packet(serverLAN, clientInner, 17, udpPayload(1, 200))

	const runs = 200
	dgs := make([][]byte, runs+1) // AllocsPerRun calls f once more to warm up
	for i := range dgs {
		dgs[i] = sealed(t, out, inner, nextHeaderIPv4)
	}
	rx, err := d.newRxBatch(d.natt[0], rxBatchSize)
	must(t, err)
	rx2, err := d.newRxBatch(d.natt[1], rxBatchSize)
	must(t, err)
	i := 0
	recv := testing.AllocsPerRun(runs, func() {
		rx.sizes[0] = copy(rx.views[0], dgs[i])
		i++
		rx.writes = rx.writes[:0]
		d.receiveOne(d.natt[0], true, &d.tables, rx, 0)
		d.writeTUN(rx.writes)
		rx2.sizes[0] = copy(rx2.views[0], []byte{keepaliveByte})
		d.receiveOne(d.natt[1], true, &d.tables, rx2, 0)
	})
	if recv != 0 || d.Stats().PacketsIn != runs+1 {
		t.Errorf("receive: %.1f allocs per packet, %d packets in", recv, d.Stats().PacketsIn)
	}

	tx, err := d.newTxBatch()
	must(t, err)
	send := testing.AllocsPerRun(runs, func() {
		// Runs for socket 0, socket 1, socket 0.
		for k, pkt := range [][]byte{inner, inner, inner2, inner} {
			tx.sizes[k] = copy(tx.views[k][headroom:], pkt)
		}
		d.sealAndSend(tx, 4)
	})
	if send != 0 || d.Stats().PacketsOut != 4*(runs+1) {
		t.Errorf("send: %.1f allocs per batch, %d packets out", send, d.Stats().PacketsOut)
	}
}
