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
