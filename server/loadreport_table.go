package server

import (
	"sync"
	"time"
)

// loadTable keeps each peer's latest accepted report and when it arrived.
// Only the receiver's clock is used (arrival times, monotonic): senders'
// clocks matter only in that a restarted sender must start above where
// it was (its epoch is its start time).
type loadTable struct {
	self   string
	maxAge time.Duration
	mu     sync.Mutex
	last   map[string]loadEntry
}

type loadEntry struct {
	rep LoadReport
	at  time.Time // when it arrived, by our clock
}

func newLoadTable(self string, maxAge time.Duration) *loadTable {
	return &loadTable{self: self, maxAge: maxAge, last: map[string]loadEntry{}}
}

// update accepts rep (already authenticated) unless it is our own, or its
// (epoch, seq) is not strictly above the last one accepted from its
// sender. A lower epoch from a sender we no longer hear means it
// restarted with its clock behind its previous start (or someone replays
// its old reports: the two look alike without a clock we share); it stays
// ignored until we restart. While the sender is heard, a lower epoch is
// simply a replay.
func (t *loadTable) update(rep LoadReport, now time.Time) error {
	if rep.ID == t.self {
		return rejectLoad(LoadOwnID, rep.ID, "a report in our own name")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	prev, ok := t.last[rep.ID]
	switch {
	case !ok || rep.after(prev.rep):
		t.last[rep.ID] = loadEntry{rep: rep, at: now}
		return nil
	case rep.Epoch < prev.rep.Epoch && now.Sub(prev.at) > t.maxAge:
		return rejectLoad(LoadEpochBack, rep.ID, "its epoch (start time) is below the one we hold")
	}
	return rejectLoad(LoadReplayed, rep.ID, "sequence not above the last accepted")
}

// fresh returns the loads of the peers heard within maxAge.
func (t *loadTable) fresh(now time.Time) map[string]GatewayLoad {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]GatewayLoad, len(t.last))
	for id, e := range t.last {
		if now.Sub(e.at) <= t.maxAge {
			out[id] = GatewayLoad{Sessions: int(e.rep.Sessions), Capacity: int(e.rep.Capacity)}
		}
	}
	return out
}
