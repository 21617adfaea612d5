package datapath

import "sync/atomic"

// Stats is a snapshot of a Device's counters, for status displays.
type Stats struct {
	PacketsIn  uint64 // inner packets opened and written to the TUN
	BytesIn    uint64 // their inner bytes
	PacketsOut uint64 // inner packets sealed and handed to the socket
	BytesOut   uint64 // their inner bytes

	IKEIn         uint64 // IKE datagrams passed to OnIKE
	IKEOut        uint64 // IKE datagrams sent by SendIKE
	KeepalivesIn  uint64 // NAT keepalives (0xFF) received and ignored
	KeepalivesOut uint64 // NAT keepalives sent

	Drops Drops
}

// Drops counts discarded packets by reason. Every received datagram and
// every packet read from the TUN ends up either delivered or in exactly one
// of these.
type Drops struct {
	Malformed    uint64 // too short, bad inner header, bad next header, truncated
	UnknownSPI   uint64 // no inbound SA with that SPI
	Replay       uint64 // esp anti-replay rejected the sequence number
	Auth         uint64 // ICV did not verify (or padding was inconsistent)
	Policy       uint64 // inner source not allowed on the SA it arrived on
	NoOutboundSA uint64 // no outbound SA covers the inner destination
	Seal         uint64 // the outbound SA refused (sequence exhausted, hard lifetime)
	Send         uint64 // the UDP socket refused the datagram
	TUNWrite     uint64 // the TUN device refused the packet
	Dummy        uint64 // RFC 4303 dummy packets (next header 59), discarded by design
	NoIKEHandler uint64 // IKE datagrams arriving while OnIKE is nil
}

// dropReason indexes counters.drops.
type dropReason int

const (
	dropMalformed dropReason = iota
	dropUnknownSPI
	dropReplay
	dropAuth
	dropPolicy
	dropNoOutboundSA
	dropSeal
	dropSend
	dropTUNWrite
	dropDummy
	dropNoIKEHandler
	numDropReasons
)

// counters are the live atomics. The receive and send sides are written by
// different goroutines, so they sit on separate cache lines.
type counters struct {
	packetsIn, bytesIn   atomic.Uint64
	ikeIn, keepalivesIn  atomic.Uint64
	_                    [64]byte
	packetsOut, bytesOut atomic.Uint64
	ikeOut, keepalivOut  atomic.Uint64
	_                    [64]byte
	drops                [numDropReasons]atomic.Uint64
}

func (c *counters) drop(r dropReason) { c.drops[r].Add(1) }

func (c *counters) snapshot() Stats {
	d := func(r dropReason) uint64 { return c.drops[r].Load() }
	return Stats{
		PacketsIn:     c.packetsIn.Load(),
		BytesIn:       c.bytesIn.Load(),
		PacketsOut:    c.packetsOut.Load(),
		BytesOut:      c.bytesOut.Load(),
		IKEIn:         c.ikeIn.Load(),
		IKEOut:        c.ikeOut.Load(),
		KeepalivesIn:  c.keepalivesIn.Load(),
		KeepalivesOut: c.keepalivOut.Load(),
		Drops: Drops{
			Malformed:    d(dropMalformed),
			UnknownSPI:   d(dropUnknownSPI),
			Replay:       d(dropReplay),
			Auth:         d(dropAuth),
			Policy:       d(dropPolicy),
			NoOutboundSA: d(dropNoOutboundSA),
			Seal:         d(dropSeal),
			Send:         d(dropSend),
			TUNWrite:     d(dropTUNWrite),
			Dummy:        d(dropDummy),
			NoIKEHandler: d(dropNoIKEHandler),
		},
	}
}

// Total is the number of dropped packets over all reasons.
func (d Drops) Total() uint64 {
	return d.Malformed + d.UnknownSPI + d.Replay + d.Auth + d.Policy + d.NoOutboundSA +
		d.Seal + d.Send + d.TUNWrite + d.Dummy + d.NoIKEHandler
}
