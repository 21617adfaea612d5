package main

import (
	"strings"
	"testing"

	"flexvpn/client"
)

// TestReportStatesPrintsQueuedStatesBeforeExit: when Run has returned,
// the states still queued (the final "failed") are printed before
// connect exits; it used to exit first and lose them.
func TestReportStatesPrintsQueuedStatesBeforeExit(t *testing.T) {
	states := make(chan client.State, 4)
	states <- client.StateConnecting
	states <- client.StateFailed
	done, printed := make(chan struct{}), make(chan struct{})
	close(done)
	var out strings.Builder
	reportStates(&out, states, done, printed)
	select {
	case <-printed:
	default:
		t.Error("printed is not closed when reportStates returns")
	}
	if want := "flexvpn: connecting\nflexvpn: failed\n"; out.String() != want {
		t.Errorf("printed %q, want %q", out.String(), want)
	}
}
