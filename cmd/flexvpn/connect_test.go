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
	reportStates(&out, states, done, printed, func(client.State) string { return "" })
	select {
	case <-printed:
	default:
		t.Error("printed is not closed when reportStates returns")
	}
	if want := "flexvpn: connecting\nflexvpn: failed\n"; out.String() != want {
		t.Errorf("printed %q, want %q", out.String(), want)
	}
}

// TestConnectSaysWhyItWaits: the terminal shows that a connection is
// backing off, for how long and after which failure.
func TestConnectSaysWhyItWaits(t *testing.T) {
	trace := client.NewTrace(0)
	trace.Add(client.TraceEvent{State: client.StateWaiting, Message: "all gateways failed; retrying in 2s", Err: "NO_PROPOSAL_CHOSEN"})
	states := make(chan client.State, 4)
	states <- client.StateWaiting
	states <- client.StateConnected
	done, printed := make(chan struct{}), make(chan struct{})
	close(done)
	var out strings.Builder
	reportStates(&out, states, done, printed, waitingDetail(trace))
	want := "flexvpn: waiting: all gateways failed; retrying in 2s (NO_PROPOSAL_CHOSEN)\nflexvpn: connected\n"
	if out.String() != want {
		t.Errorf("printed %q, want %q", out.String(), want)
	}
}
