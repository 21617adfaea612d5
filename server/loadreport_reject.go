package server

import (
	"fmt"
	"sync/atomic"
)

// LoadRejectReason says why a load report was dropped. The reporter
// counts each reason (LoadReporter.Stats) so an admin can tell a
// misconfigured peer (unknown sender, old version) from an attack (bad
// signature, replay).
type LoadRejectReason uint8

// Reasons a load report is dropped.
const (
	LoadMalformed     LoadRejectReason = iota + 1 // not a well-formed report
	LoadOldVersion                                // a version-1 (shared-secret) report
	LoadUnknownSender                             // no key configured for its id
	LoadBadSignature                              // the id's key does not verify it
	LoadOwnID                                     // claims to come from us
	LoadReplayed                                  // (epoch, seq) not above the last accepted
	LoadEpochBack                                 // sender restarted with its clock behind
	loadReasons                                   // number of reasons + 1
)

func (r LoadRejectReason) String() string {
	switch r {
	case LoadMalformed:
		return "malformed"
	case LoadOldVersion:
		return "old version"
	case LoadUnknownSender:
		return "unknown sender"
	case LoadBadSignature:
		return "bad signature"
	case LoadOwnID:
		return "our own id"
	case LoadReplayed:
		return "replayed"
	case LoadEpochBack:
		return "epoch went back"
	}
	return fmt.Sprintf("LoadRejectReason(%d)", uint8(r))
}

// MarshalText names the reason, so LoadStats reads well as JSON (the
// admin socket's encoding).
func (r LoadRejectReason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads what MarshalText writes.
func (r *LoadRejectReason) UnmarshalText(b []byte) error {
	for x := LoadMalformed; x < loadReasons; x++ {
		if x.String() == string(b) {
			*r = x
			return nil
		}
	}
	return fmt.Errorf("%w: unknown reason %q", ErrLoadReport, b)
}

// LoadReportError is a dropped load report. It matches ErrLoadReport.
type LoadReportError struct {
	Reason LoadRejectReason
	ID     string // the sender id the report names; "" when unreadable
	Detail string
}

func (e *LoadReportError) Error() string {
	if e.ID == "" {
		return fmt.Sprintf("%v: %v: %s", ErrLoadReport, e.Reason, e.Detail)
	}
	return fmt.Sprintf("%v from %q: %v: %s", ErrLoadReport, e.ID, e.Reason, e.Detail)
}

// Unwrap makes every LoadReportError match ErrLoadReport.
func (e *LoadReportError) Unwrap() error { return ErrLoadReport }

func rejectLoad(r LoadRejectReason, id, detail string) *LoadReportError {
	return &LoadReportError{Reason: r, ID: id, Detail: detail}
}

// LoadStats counts the load reports a reporter received.
type LoadStats struct {
	Accepted uint64
	Rejected map[LoadRejectReason]uint64 // only reasons seen
}

// loadCounters are LoadStats kept with atomics: the receive loop counts
// while the admin reads.
type loadCounters struct {
	accepted atomic.Uint64
	rejected [loadReasons]atomic.Uint64
}

func (c *loadCounters) reject(r LoadRejectReason) {
	if r < loadReasons {
		c.rejected[r].Add(1)
	}
}

func (c *loadCounters) snapshot() LoadStats {
	s := LoadStats{Accepted: c.accepted.Load(), Rejected: map[LoadRejectReason]uint64{}}
	for r := LoadMalformed; r < loadReasons; r++ {
		if n := c.rejected[r].Load(); n > 0 {
			s.Rejected[r] = n
		}
	}
	return s
}
