package track

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"flexvpn/client/profile"
)

// realTracker tracks one object "obj" with the real probes, fast.
func realTracker(t *testing.T, probe, target string) *Tracker {
	t.Helper()
	tr, err := New(Config{Objects: []profile.TrackOb{{
		Name: "obj", Probe: probe, Target: target, Interval: dur(MinInterval), Threshold: 1,
	}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// waitState polls until the object reaches want (generous: the machine
// is shared by a whole team).
func waitState(t *testing.T, tr *Tracker, name string, want State) {
	t.Helper()
	waitFor(t, func() bool { st, _ := tr.Status(name); return st.State == want }, func() string {
		st, _ := tr.Status(name)
		return fmt.Sprintf("%s stayed %v (%s, last error %q), want %v", name, st.State, st.Reason, st.LastErr, want)
	})
}

// waitFor polls cond for up to 20 s and fails with what() if it never
// holds.
func waitFor(t *testing.T, cond func() bool, what func() string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(what())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
