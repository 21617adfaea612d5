package client

import (
	"sync"
	"time"
)

// TraceEvent is one line of the connection's event trace (seed: a bounded
// in-memory ring that the CLI and GUI show).
type TraceEvent struct {
	Time    time.Time
	State   State
	Gateway string
	Message string
	Err     string
	// RetryAt, on a Waiting event, is when the next attempt starts.
	RetryAt time.Time
}

// Trace is a bounded ring of events, safe for concurrent use.
type Trace struct {
	mu     sync.Mutex
	events []TraceEvent
	next   int
	full   bool
}

// NewTrace returns a ring holding the last n events.
func NewTrace(n int) *Trace {
	if n <= 0 {
		n = 256
	}
	return &Trace{events: make([]TraceEvent, n)}
}

// Add records e.
func (t *Trace) Add(e TraceEvent) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.events[t.next] = e
	t.next = (t.next + 1) % len(t.events)
	if t.next == 0 {
		t.full = true
	}
}

// Events returns the recorded events, oldest first.
func (t *Trace) Events() []TraceEvent {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.full {
		return append([]TraceEvent(nil), t.events[:t.next]...)
	}
	out := append([]TraceEvent(nil), t.events[t.next:]...)
	return append(out, t.events[:t.next]...)
}
