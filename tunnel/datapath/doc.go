// Package datapath carries Child SA traffic between a TUN device and UDP:
// inner IP packets read from the TUN are sealed with the outbound ESP SA
// chosen by their destination and sent as ESP-in-UDP (RFC 3948); datagrams
// arriving on a NAT-T socket are demultiplexed into IKE (non-ESP marker),
// NAT keepalives and ESP, and ESP is opened, checked and written to the TUN.
//
// A [Device] owns the sockets and the TUN device. It listens on one or
// more local addresses ([Config].ListenNATT and ListenAlso), and sends
// each Child SA's ESP from the address its IKE SA uses. The IKE engine reaches it
// through two narrow seams so this package never imports tunnel/ike: inbound
// IKE datagrams go to [Config].OnIKE, and the engine sends with
// [Device.SendIKE]. It installs Child SAs with [Device.AddInbound],
// [Device.SetOutbound], [Device.RetireInbound] and friends; the pump reads the
// SA tables without locks or allocations, and each install edits only its
// own entries (O(1) amortised, see table.go), so neither rekeying nor
// thousands of sessions coming and going stall traffic or each other.
//
// The pipeline itself is described at the top of pump.go.
package datapath
