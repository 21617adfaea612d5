package gui

import (
	"strings"
	"testing"
	"time"

	"flexvpn/client/ctl"
)

// FuzzGatewayText: text a gateway controls (banner, trace messages, error
// strings relayed by the daemon) can never add lines to the trace view or
// the notification, so it cannot pose as another event.
func FuzzGatewayText(f *testing.F) {
	f.Add("connected", "gw1.example.com", "welcome", "")
	f.Add("failed", "gw\n2", "line1\r\nline2\u2028x", "wrong username or password\n\x00")
	f.Fuzz(func(t *testing.T, state, gw, msg, errText string) {
		ev := []ctl.Event{{Time: time.Unix(0, 0), State: "connecting", Message: "first"}, {Time: time.Unix(1, 0), State: state, Gateway: gw, Message: msg, Err: errText}}
		out := traceText(ev)
		if n := strings.Count(out, "\n"); n != 2 || !strings.HasSuffix(out, "\n") {
			t.Fatalf("two events rendered as %d lines: %q", n, out)
		}
		for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if strings.ContainsAny(line, "\r\v\f\u0085\u2028\u2029") {
				t.Fatalf("line break inside a trace line: %q", line)
			}
		}
		if b := oneLine(msg); strings.ContainsAny(b, "\n\r") {
			t.Fatalf("oneLine(%q) = %q", msg, b)
		}
		failureText(errText)
		// Key exchange names and tracked objects are daemon text too.
		keys := keysLine(Profile{State: StateConnected, KeyExchange: msg})
		track := trackLine(ctl.TrackObject{Name: gw, State: state, Reason: msg, LastError: errText}, time.Unix(0, 0))
		for _, s := range []string{keys, track} {
			if strings.ContainsAny(s, "\n\r\v\f\u0085\u2028\u2029") {
				t.Fatalf("line break in %q", s)
			}
		}
	})
}
