// Package netns is the root-only test harness for flexvpn: it builds small
// network topologies out of Linux network namespaces, runs processes in
// them, captures and checks traffic with tshark, and drives strongSwan as
// an independent IKEv2 peer.
//
// A typical test:
//
//	func TestSomething(t *testing.T) {
//		netns.Require(t)
//		topo := netns.NewTopology(t, "psk")
//		cli := topo.AddHost("cli", netip.MustParseAddr("192.0.2.10"))
//		gw := topo.AddHost("gw", netip.MustParseAddr("192.0.2.1"))
//		lan := topo.AddLAN(gw, "lan", netip.MustParseAddr("198.51.100.10"))
//		cap := topo.Inet().Capture("br0", "udp")
//		...
//		netns.WaitFor(t, 10*time.Second, func() error { return cli.Ping(lan.Addr) })
//		netns.CheckNoMalformed(t, cap.Stop(t))
//	}
//
// Everything a test creates (namespaces, processes, temporary files) is
// removed in t.Cleanup, also when the test fails. Namespace names carry the
// creating process id, so a later run sweeps the leftovers of a crashed run
// without touching namespaces of test binaries that are still running.
//
// The addressing plan uses documentation ranges only: the "internet" is
// 192.0.2.0/24 on a bridge in its own namespace, LANs behind gateways are
// 198.51.100.0/24 with the gateway at .1.
package netns
