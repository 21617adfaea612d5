package track

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestMachineHysteresis drives one object's state machine with a script
// of probe results and checks the state after each.
func TestMachineHysteresis(t *testing.T) {
	ok, bad := error(nil), errors.New("timeout")
	tests := []struct {
		name      string
		threshold int
		results   []error
		want      []State
	}{
		{"first success is up at once", 3, []error{ok}, []State{Up}},
		{"first failure is down at once", 3, []error{bad}, []State{Down}},
		{"down after threshold failures", 3, []error{ok, bad, bad, bad}, []State{Up, Up, Up, Down}},
		{"a success resets the count", 3, []error{ok, bad, bad, ok, bad, bad, bad}, []State{Up, Up, Up, Up, Up, Up, Down}},
		{"one success brings it up", 3, []error{bad, bad, ok}, []State{Down, Down, Up}},
		{"threshold one flaps with every result", 1, []error{ok, bad, ok, bad}, []State{Up, Down, Up, Down}},
		{"threshold below one acts as one", 0, []error{ok, bad}, []State{Up, Down}},
		{"stays down while failing", 2, []error{ok, bad, bad, bad, bad}, []State{Up, Up, Down, Down, Down}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			m := newMachine("obj", tc.threshold, start)
			for i, r := range tc.results {
				m.observe(start.Add(time.Duration(i+1)*time.Second), r)
				if m.st.State != tc.want[i] {
					t.Fatalf("after result %d (%v): state %v, want %v", i, r, m.st.State, tc.want[i])
				}
			}
		})
	}
}

func TestMachineReportsChangesOnce(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := newMachine("uplink", 2, start)
	if m.st.State != Unknown || !m.st.Since.Equal(start) {
		t.Fatalf("initial status %+v, want unknown since start", m.st)
	}
	at := func(s int) time.Time { return start.Add(time.Duration(s) * time.Second) }
	ch, changed := m.observe(at(1), nil)
	if !changed || ch.From != Unknown || ch.State != Up || !ch.Since.Equal(at(1)) || ch.Object != "uplink" {
		t.Fatalf("first success: %+v changed=%v", ch, changed)
	}
	if _, changed := m.observe(at(2), nil); changed {
		t.Fatal("a second success reported a change")
	}
	if _, changed := m.observe(at(3), errors.New("refused")); changed {
		t.Fatal("one failure under threshold 2 reported a change")
	}
	if m.st.Failures != 1 || m.st.LastErr != "refused" || !m.st.Checked.Equal(at(3)) {
		t.Fatalf("status after a failure: %+v", m.st)
	}
	ch, changed = m.observe(at(4), errors.New("refused again"))
	if !changed || ch.From != Up || ch.State != Down || !ch.Since.Equal(at(4)) {
		t.Fatalf("second failure: %+v changed=%v", ch, changed)
	}
	if !strings.Contains(ch.Reason, "2 probes failed") || !strings.Contains(ch.Reason, "refused again") {
		t.Fatalf("reason %q does not say how many probes failed and why", ch.Reason)
	}
	if _, changed := m.observe(at(5), errors.New("x")); changed {
		t.Fatal("a failure while down reported a change")
	}
	if !m.st.Since.Equal(at(4)) {
		t.Fatalf("since moved while staying down: %v", m.st.Since)
	}
}

func TestStateString(t *testing.T) {
	for s, want := range map[State]string{Unknown: "unknown", Up: "up", Down: "down", 9: "State(9)"} {
		if s.String() != want {
			t.Errorf("%d: %q, want %q", s, s.String(), want)
		}
	}
}
