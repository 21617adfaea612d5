package main

import (
	"strings"
	"testing"
	"time"

	"flexvpn/client/ctl"
)

// TestPrintStatusShowsRetry: a profile backing off says when it tries
// again; the user sees it keeps trying rather than a frozen "waiting".
func TestPrintStatusShowsRetry(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.Local)
	var b strings.Builder
	printStatus(&b, []ctl.Status{
		{Profile: "corp", Connect: "manual", State: "waiting", Since: now.Add(-time.Second), RetryAt: now.Add(4 * time.Second), LastError: "NO_PROPOSAL_CHOSEN"},
		{Profile: "late", Connect: "auto", State: "waiting", RetryAt: now.Add(-time.Second)},
	}, now)
	out := b.String()
	for _, want := range []string{"waiting (retry in 4s)", "waiting (retrying)", "last error: NO_PROPOSAL_CHOSEN"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
}

// TestPrintStatusShowsTrackObjects: each tracked object's state and why,
// and the gateway's banner on one line.
func TestPrintStatusShowsTrackObjects(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.Local)
	var b strings.Builder
	printStatus(&b, []ctl.Status{{Profile: "backup", Connect: "track", State: "connected", Banner: "Authorized\nuse\x1b only.", Track: []ctl.TrackObject{
		{Name: "uplink", State: "down", Since: now.Add(-3 * time.Second), Reason: "3 probes failed in a row, last: connection refused"},
		{Name: "lan", State: "up", Since: now.Add(-time.Minute), Reason: "probe succeeded"},
	}}}, now)
	out := b.String()
	for _, want := range []string{
		"track uplink: down since 08:59:57 (3s): 3 probes failed in a row, last: connection refused",
		"track lan: up since 08:59:00 (1m0s): probe succeeded",
		"banner: Authorized use only.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
}

// TestPrintStatusShowsKeyExchange: a connected profile says how its keys
// were agreed and whether that resists a quantum computer.
func TestPrintStatusShowsKeyExchange(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.Local)
	var b strings.Builder
	printStatus(&b, []ctl.Status{
		{Profile: "pq", Connect: "manual", State: "connected", KeyExchange: "x25519 + ML-KEM-768"},
		{Profile: "old", Connect: "manual", State: "connected", KeyExchange: "ecp256"},
		{Profile: "down", Connect: "manual", State: "idle"},
	}, now)
	out := b.String()
	for _, want := range []string{"pq:\n  key exchange: x25519 + ML-KEM-768 (post-quantum)", "old:\n  key exchange: ecp256 (classic)"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "down:") {
		t.Errorf("an idle profile without details got a section:\n%s", out)
	}
}
