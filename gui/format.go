package gui

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"flexvpn/client/ctl"
)

// stateLine says where the profile is: "connected since 09:00:00 via
// gw1.example.com", or "since Nov 26 09:00" for a state entered before
// today. No relative duration: the views redraw on changes, not on a
// clock, so it would go stale.
func stateLine(p Profile, now time.Time) string {
	var b strings.Builder
	b.WriteString(p.State.String())
	if !p.Since.IsZero() && p.State != StateIdle {
		b.WriteString(" since " + clock(p.Since, now))
	}
	if p.Gateway != "" && p.State.Active() {
		b.WriteString(" via " + p.Gateway)
	}
	return b.String()
}

// clock renders t as a time of day, with the date when it is not today.
func clock(t, now time.Time) string {
	t, now = t.Local(), now.Local()
	if y, m, d := t.Date(); y != now.Year() || m != now.Month() || d != now.Day() {
		return t.Format("Jan 2 15:04:05")
	}
	return t.Format("15:04:05")
}

// addrsLine lists the assigned addresses, or "" when there are none.
func addrsLine(p Profile) string {
	if len(p.Addrs) == 0 {
		return ""
	}
	s := "address " + joinPrefixes(p.Addrs)
	if p.DefaultRoute {
		s += " (default route)"
	}
	return s
}

func joinPrefixes(ps []netip.Prefix) string {
	parts := make([]string, len(ps))
	for i, a := range ps {
		parts[i] = a.String()
	}
	return strings.Join(parts, ", ")
}

// trafficLine sums up the session's data plane, or "" before any packet.
func trafficLine(p Profile) string {
	if p.PacketsIn+p.PacketsOut == 0 {
		return ""
	}
	return fmt.Sprintf("received %s, sent %s", ctl.FormatBytes(p.BytesIn), ctl.FormatBytes(p.BytesOut))
}

// keysLine names the session's key exchange and says whether it resists
// a quantum computer, so that the user need not know which group names
// are post-quantum; "" unless connected. Any ML-KEM component makes the
// exchange hybrid (RFC 9370): the keys then resist a quantum computer
// even though the other part is classic.
func keysLine(p Profile) string {
	kex := oneLine(p.KeyExchange)
	if p.State != StateConnected || kex == "" {
		return ""
	}
	if strings.Contains(kex, "ML-KEM") {
		return "Keys: " + kex + " (post-quantum)"
	}
	return "Keys: " + kex + " (classic)"
}

// trackLine renders one tracked object: "primary-link: down since
// 09:58:30 (3 probes failed; last probe: timeout)". The reason and the
// probe error come from the daemon and are kept on one line.
func trackLine(o ctl.TrackObject, now time.Time) string {
	state := oneLine(o.State)
	if state == "" {
		state = "unknown"
	}
	s := oneLine(o.Name) + ": " + state
	if !o.Since.IsZero() {
		s += " since " + clock(o.Since, now)
	}
	var why []string
	if r := oneLine(o.Reason); r != "" {
		why = append(why, r)
	}
	if e := oneLine(o.LastError); e != "" {
		why = append(why, "last probe: "+e)
	}
	if len(why) > 0 {
		s += " (" + strings.Join(why, "; ") + ")"
	}
	return s
}

// traceText renders events one per line, oldest first.
func traceText(events []ctl.Event) string {
	if len(events) == 0 {
		return "no events yet"
	}
	var b strings.Builder
	for _, e := range events {
		fmt.Fprintf(&b, "%s  %-12s %s", e.Time.Local().Format("15:04:05"), oneLine(e.State), oneLine(e.Message))
		if e.Gateway != "" {
			b.WriteString("  [" + oneLine(e.Gateway) + "]")
		}
		if e.Err != "" {
			b.WriteString(": " + oneLine(e.Err))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// oneLine keeps gateway-supplied text from breaking the layout.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// buttonText is the label of a profile's big button.
func buttonText(s State) string {
	if s.Active() {
		return "Disconnect"
	}
	return "Connect"
}
