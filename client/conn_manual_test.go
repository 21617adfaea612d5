package client

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"flexvpn/tunnel/ike"
)

// TestConnManualKeepsRetryingAfterLostTunnel: a user who connected
// expects the tunnel back after it is lost, however many attempts it
// takes: failed rounds wait out a growing backoff, in the Waiting state
// (what status shows), and do not end the run.
func TestConnManualKeepsRetryingAfterLostTunnel(t *testing.T) {
	n := newFakeNet()
	n.script["gw1.example"] = []string{"ok", "fail", "fail", "fail", "ok"}
	h := start(t, testProfile(t, "manual", "gw1.example"), n)
	s := h.session(t)
	h.waitState(t, StateConnected)
	s.end <- errors.New("DPD: peer not responding")

	var slept []time.Duration
	for len(slept) < 3 {
		select {
		case d := <-h.sleeps:
			slept = append(slept, d)
		case err := <-h.done:
			h.done <- err
			t.Fatalf("Run ended after the tunnel was lost: %v; dials: %s", err, n.dialLog())
		case <-time.After(5 * time.Second):
			t.Fatalf("no backoff after %v; dials: %s", slept, n.dialLog())
		}
	}
	// 1 s, 2 s, 4 s, each ±20 % jitter: the third is at least 3.2 s and
	// the first at most 1.2 s; without growth the ratio stays under 1.5.
	if slept[2] <= slept[0]*2 {
		t.Errorf("backoff does not grow: %v", slept)
	}
	if s = h.session(t); s.host != "gw1.example" {
		t.Fatalf("reconnected to %s", s.host)
	}
	h.waitState(t, StateConnected)
	if got := n.dialLog(); got != "gw1.example gw1.example gw1.example gw1.example gw1.example" {
		t.Errorf("dials = %s", got)
	}
	waiting := 0
	for _, ev := range h.conn.cfg.Trace.Events() {
		if ev.State == StateWaiting && strings.Contains(ev.Message, "retrying in") && ev.Err != "" && ev.RetryAt.After(ev.Time) {
			waiting++
		}
	}
	if waiting != 3 {
		t.Errorf("%d waiting events with the failure and when they retry, want 3", waiting)
	}
}

// TestConnManualStopsAtOnceOnPermanentFailure: failures no retry can
// fix end a manual run at the first one, even after the tunnel was up,
// without trying the next gateway, with a sentence saying so.
func TestConnManualStopsAtOnceOnPermanentFailure(t *testing.T) {
	for _, tc := range []struct {
		outcome string
		is      error
		says    string
	}{
		{"untrusted", ike.ErrAuthFailed, "authentication failed"},
		{"noproposal", ike.ErrNoProposal, "none of our proposals"},
		{"badpass", nil, "rejected the credentials"},
	} {
		t.Run(tc.outcome, func(t *testing.T) {
			n := newFakeNet()
			n.script["gw1.example"] = []string{"ok", tc.outcome}
			n.script["gw2.example"] = []string{"ok"}
			h := start(t, testProfile(t, "manual", "gw1.example", "gw2.example"), n)
			h.session(t)
			h.waitState(t, StateConnected)
			h.conn.NetworkChanged() // the same gateway first, which now refuses

			var err error
			select {
			case err = <-h.done:
				h.done <- err
			case <-time.After(5 * time.Second):
				t.Fatalf("Run goes on after %s; dials: %s", tc.outcome, n.dialLog())
			}
			if err == nil || tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("Run = %v, want %v", err, tc.is)
			}
			if st := h.conn.State(); st != StateFailed {
				t.Errorf("state = %v, want failed", st)
			}
			if got := n.dialLog(); got != "gw1.example gw1.example" {
				t.Errorf("dials = %s, want no attempt after the refusal", got)
			}
			evs := h.conn.cfg.Trace.Events()
			if last := evs[len(evs)-1]; !strings.Contains(last.Message, tc.says) || last.Err == "" {
				t.Errorf("last event %+v, want %q and the error", last, tc.says)
			}
		})
	}
}

// TestConnAutoRetriesRefusalsOtherThanPassword: a router in auto mode
// keeps trying a gateway that refused its certificate or proposals (its
// admin may fix that while nobody watches); only a rejected password
// stops it.
func TestConnAutoRetriesRefusalsOtherThanPassword(t *testing.T) {
	n := newFakeNet()
	n.script["gw1.example"] = []string{"untrusted", "noproposal", "ok"}
	h := start(t, testProfile(t, "auto", "gw1.example"), n)
	if s := h.session(t); s.host != "gw1.example" {
		t.Fatalf("connected to %s", s.host)
	}
	if got := n.dialLog(); got != "gw1.example gw1.example gw1.example" {
		t.Errorf("dials = %s", got)
	}
}

// TestConnManualNeverConnectedGivesUp: a tunnel whose routes could not be
// applied was never up for the user: manual mode reports the failure
// instead of retrying it forever.
func TestConnManualNeverConnectedGivesUp(t *testing.T) {
	n := newFakeNet()
	n.script["gw1.example"] = []string{"ok", "ok"}
	c := NewConn(ConnConfig{
		Profile: testProfile(t, "manual", "gw1.example"), Dialer: n, Resolver: n, Applier: failingApplier{n},
		Sleep: func(ctx context.Context, d time.Duration) error { return nil },
	})
	done := make(chan error, 1)
	go func() { done <- c.Run(context.Background()) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "applying routes") || c.State() != StateFailed {
			t.Fatalf("Run = %v in state %v, want failed with the apply error", err, c.State())
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("manual mode keeps retrying a tunnel that never connected; dials: %s", n.dialLog())
	}
}
