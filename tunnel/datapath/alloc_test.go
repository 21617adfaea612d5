package datapath

import (
	"net/netip"
	"testing"

	"flexvpn/platform/tunif/tunfake"
)

// TestHotPathsDoNotAllocate drives the per-packet code of both directions
// directly, sockets included, and requires zero allocations.
func TestHotPathsDoNotAllocate(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counting is slow-ish")
	}
	d, _ := newTestDevice(t, tunfake.Config{OnWrite: func([]byte) {}}, Config{})
	out, in := saPair(t, gcmConfig(0x6001, 1))
	must(t, d.AddInbound(0x6001, in, nil))
	must(t, d.SetOutbound([]netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}, out, d.LocalAddr()))
	inner := ipv4Packet(clientInner, serverLAN, 6, tcpSYN(clientInner, serverLAN, tcpFlagSYN, mssOpt(1460))[ipv4HeaderLen:])

	const runs = 200
	dgs := make([][]byte, runs+1) // AllocsPerRun calls f once more to warm up
	for i := range dgs {
		dgs[i] = sealed(t, out, inner, nextHeaderIPv4)
	}
	rx, err := d.newRxBatch(d.natt, rxBatchSize)
	must(t, err)
	i := 0
	recv := testing.AllocsPerRun(runs, func() {
		rx.sizes[0] = copy(rx.views[0], dgs[i])
		i++
		rx.writes = rx.writes[:0]
		d.receiveOne(d.natt, true, d.tables.Load(), rx, 0)
		d.writeTUN(rx.writes)
	})
	if recv != 0 || d.Stats().PacketsIn != runs+1 {
		t.Errorf("receive: %.1f allocs per packet, %d packets in", recv, d.Stats().PacketsIn)
	}

	tx, err := d.newTxBatch()
	must(t, err)
	send := testing.AllocsPerRun(runs, func() {
		tx.sizes[0] = copy(tx.views[0][headroom:], inner)
		d.sealAndSend(tx, 1)
	})
	if send != 0 || d.Stats().PacketsOut != runs+1 {
		t.Errorf("send: %.1f allocs per packet, %d packets out", send, d.Stats().PacketsOut)
	}
}
