// Package netns is the root-only test harness for flexvpn: it builds small
// network topologies out of Linux network namespaces, runs processes in
// them, captures and checks traffic with tshark, and drives strongSwan as
// an independent IKEv2 peer.
//
// A typical test:
//
//	func TestSomething(t *testing.T) {
//		netns.RequireStrongSwan(t) // skips with a reason unless root etc.
//		topo := netns.NewTopology(t, "psk")
//		cli := topo.AddHost("cli", netip.MustParseAddr("192.0.2.10"))
//		gw := topo.AddHost("gw", netip.MustParseAddr("192.0.2.1"))
//		lan := topo.AddLAN(gw, "lan", netip.MustParseAddr("198.51.100.10"))
//		capture := topo.Inet().Capture("br0", "udp")
//		swan := netns.StartStrongSwan(t, gw, netns.GatewaySpec{...}.Config())
//		... run our client in cli: cli.Do(func() error { listen/dial }) ...
//		netns.WaitFor(t, 10*time.Second, func() error { return cli.Ping(lan.Addr) })
//		netns.CheckNoMalformed(t, capture.Stop())
//	}
//
// # Topology
//
// NewTopology creates the "inet" namespace with bridge br0 (192.0.2.0/24);
// AddHost attaches a namespace to it ("eth0"), AddLAN puts a host behind
// a gateway (bridge "lan0", 198.51.100.1/24, forwarding on). After
// Topology.DualStack every host also gets an IPv6 address (Host.Addr6 in
// 2001:db8::/64, LANs in 2001:db8:0:100::/64). Host.Exec,
// Host.IP and Host.Sysctl run commands there; Host.Start runs a
// background process that is stopped in t.Cleanup and whose output is
// printed when the test fails; Host.Do runs Go code (open sockets, TUN
// devices) inside the namespace; Host.Ping (IPv4 or IPv6) needs no ping
// binary. GoBuild builds a main package to run with Host.Start; Iperf3
// measures TCP goodput between two hosts. Poll and WaitFor replace
// sleeps.
//
// Everything a test creates is removed in t.Cleanup, also when the test
// fails. Namespace names carry the creating pid ("fv<pid>x<n>-<topo>-<host>"),
// so the first NewTopology of a later run sweeps the leftovers of a
// crashed run without touching test binaries still running in parallel.
//
// # strongSwan
//
// StartStrongSwan runs charon (the plain daemon or charon-systemd) in a
// host with a private /run, resolv.conf and vici socket, renders Config
// into strongswan.conf and swanctl.conf, and offers Initiate, Terminate,
// RekeyIKE/RekeyChild, Redirect, ListSAs/WaitSA and the charon log.
// GatewaySpec and ClientSpec build the usual road-warrior configurations
// (PSK, certificates from test/pki, EAP-MSCHAPv2/MD5/GTC, pools with DNS
// and Unity attributes). Only one instance per host: charon binds UDP
// 500 and 4500.
//
// # Captures and tshark
//
// Host.Capture runs dumpcap; Capture.Stop returns the pcap once it has
// settled. CheckNoMalformed fails on malformed frames or IKE expert
// errors, IKEDatagrams/IKEPackets extract IKE messages (non-ESP marker
// stripped). With Config.LogLevels = KeyLogLevels charon logs its IKE
// keys: ParseIKEKeys reads them, DecryptIKE opens SK/SKF payloads
// (DecryptAll a whole capture, fragments reassembled), and
// CheckNoMalformedDecrypted (or TsharkDecryptArgs) lets tshark dissect the
// encrypted payloads of both strongSwan's and our messages. WalkChain,
// IKEDatagram.OuterPayloads, NotifyTypes and CPAttributes read payloads
// without depending on the codec under test.
//
// # Faults
//
// The machines have no netem qdisc and no nft/iptables binaries, so path
// faults are made in userspace: StartUDPRelay runs a UDP NAPT for IKE and
// ESP-in-UDP (ports 500 and 4500) in a host between clients and a
// gateway. Clients use the relay's address as the gateway's; the gateway
// sees a real NAT. SetFilter drops packets (DropEvery(n) or any rule on
// direction, port, sequence and bytes) and Rebind moves every flow to a
// new outside port like a NAT that lost its mappings. HalfOpenIKESA
// leaves a half-open IKE SA on a responder; with strongSwan's
// "cookie_threshold = 1" the next initiator must answer a COOKIE.
package netns
