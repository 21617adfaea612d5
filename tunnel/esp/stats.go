package esp

import "sync/atomic"

// dropReason indexes the per-SA drop counters.
type dropReason uint8

const (
	dropMalformed dropReason = iota
	dropReplay
	dropAuth
	dropPadding
	dropSeqExhausted
	dropHardLifetime
	dropNoRoom
	numDropReasons
)

// dropErrs maps each reason to the sentinel returned to the caller. Seal
// and Open return these unwrapped: wrapping would allocate per packet.
var dropErrs = [numDropReasons]error{
	dropMalformed:    ErrMalformed,
	dropReplay:       ErrReplay,
	dropAuth:         ErrAuth,
	dropPadding:      ErrPadding,
	dropSeqExhausted: ErrSeqExhausted,
	dropHardLifetime: ErrHardLifetime,
	dropNoRoom:       ErrNoRoom,
}

// Stats is a snapshot of an SA's counters. Packets and Bytes count packets
// sealed or opened successfully and their inner (plaintext) bytes.
type Stats struct {
	Packets uint64
	Bytes   uint64
	Drops   Drops
}

// Drops counts refused packets by reason.
type Drops struct {
	Malformed, Replay, Auth, Padding, SeqExhausted, HardLifetime, NoRoom uint64
}

// Total is the sum of all drop counters.
func (d Drops) Total() uint64 {
	return d.Malformed + d.Replay + d.Auth + d.Padding + d.SeqExhausted + d.HardLifetime + d.NoRoom
}

// counters are updated atomically on the packet path.
type counters struct {
	packets, bytes atomic.Uint64
	drops          [numDropReasons]atomic.Uint64
}

// drop counts a refused packet and returns the matching sentinel.
func (c *counters) drop(r dropReason) error {
	c.drops[r].Add(1)
	return dropErrs[r]
}

func (c *counters) snapshot() Stats {
	d := &c.drops
	return Stats{
		Packets: c.packets.Load(),
		Bytes:   c.bytes.Load(),
		Drops: Drops{
			Malformed:    d[dropMalformed].Load(),
			Replay:       d[dropReplay].Load(),
			Auth:         d[dropAuth].Load(),
			Padding:      d[dropPadding].Load(),
			SeqExhausted: d[dropSeqExhausted].Load(),
			HardLifetime: d[dropHardLifetime].Load(),
			NoRoom:       d[dropNoRoom].Load(),
		},
	}
}
