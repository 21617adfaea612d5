package track

import (
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
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, _ := tr.Status(name)
		if st.State == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s stayed %v (%s, last error %q), want %v", name, st.State, st.Reason, st.LastErr, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
