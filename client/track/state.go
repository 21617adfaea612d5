package track

import (
	"fmt"
	"time"
)

// State of a tracked object.
type State uint8

// States; see the package doc for the transitions.
const (
	Unknown State = iota // no probe result yet
	Up
	Down
)

func (s State) String() string {
	switch s {
	case Unknown:
		return "unknown"
	case Up:
		return "up"
	case Down:
		return "down"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// Status is what a tracker knows about one object.
type Status struct {
	Object string
	State  State
	// Since is when the object entered State (for Unknown: when the
	// tracker started).
	Since time.Time
	// Reason says why the object is in State, for logs and status output.
	Reason string
	// Failures counts the failed probes in a row (0 after a success).
	Failures int
	// LastErr is the latest probe failure ("" after a success).
	LastErr string
	// Checked is when the latest probe finished (zero before the first).
	Checked time.Time
}

// Change is one state transition.
type Change struct {
	Status       // the object after the change
	From   State // the state it left
}

// machine is one object's hysteresis, kept pure so table tests drive it
// with made-up times and results.
type machine struct {
	threshold int
	st        Status
}

func newMachine(name string, threshold int, start time.Time) *machine {
	return &machine{
		threshold: max(threshold, 1),
		st:        Status{Object: name, State: Unknown, Since: start, Reason: "not probed yet"},
	}
}

// observe records one probe result at now and reports a transition.
func (m *machine) observe(now time.Time, err error) (Change, bool) {
	m.st.Checked = now
	if err == nil {
		m.st.Failures, m.st.LastErr = 0, ""
		return m.enter(Up, now, "probe succeeded")
	}
	m.st.Failures++
	m.st.LastErr = err.Error()
	switch {
	case m.st.State == Unknown:
		return m.enter(Down, now, "first probe failed: "+m.st.LastErr)
	case m.st.Failures >= m.threshold:
		return m.enter(Down, now, fmt.Sprintf("%d probes failed in a row, last: %s", m.st.Failures, m.st.LastErr))
	}
	return Change{}, false
}

func (m *machine) enter(s State, now time.Time, reason string) (Change, bool) {
	if m.st.State == s {
		return Change{}, false
	}
	from := m.st.State
	m.st.State, m.st.Since, m.st.Reason = s, now, reason
	return Change{Status: m.st, From: from}, true
}
