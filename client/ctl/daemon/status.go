package daemon

import (
	"context"
	"fmt"
	"slices"
	"time"

	"flexvpn/client"
	"flexvpn/client/ctl"
)

// Status implements ctl.Backend: one profile, or all sorted by name.
func (d *Daemon) Status(name string, trace bool) ([]ctl.Status, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if name != "" {
		e, ok := d.profiles[name]
		if !ok {
			return nil, fmt.Errorf("%w %q", ErrNoProfile, name)
		}
		return []ctl.Status{d.statusLocked(name, e, trace)}, nil
	}
	out := make([]ctl.Status, 0, len(d.profiles))
	for n, e := range d.profiles {
		out = append(out, d.statusLocked(n, e, trace))
	}
	slices.SortFunc(out, func(a, b ctl.Status) int {
		switch {
		case a.Profile < b.Profile:
			return -1
		case a.Profile > b.Profile:
			return 1
		}
		return 0
	})
	return out, nil
}

// statusLocked snapshots one profile from its last run and its trace.
func (d *Daemon) statusLocked(name string, e *entry, trace bool) ctl.Status {
	st := ctl.Status{Profile: name, Connect: e.prof.Connect, State: client.StateIdle.String(), DefaultRoute: d.owner == name,
		Track: trackStatus(e.tracker)}
	r := e.run
	if r == nil {
		return st
	}
	events := r.trace.Events()
	state := r.tun.State()
	if state == client.StateIdle && r.downAt.IsZero() && !r.finished() {
		// Started, but its connection has not reported a state yet:
		// `up --wait` must not read that as idle (given up).
		state = client.StateConnecting
	}
	st.State = state.String()
	st.Since = since(events, state, r.start)
	if n := len(events); state == client.StateWaiting && n > 0 && events[n-1].State == client.StateWaiting {
		st.RetryAt = events[n-1].RetryAt
	}
	if r.refused != nil {
		// The daemon stopped it: that is a failure the user must act on.
		st.State = client.StateFailed.String()
		st.LastError = r.refused.Error()
		st.Since = r.refAt
	}
	if !r.downAt.IsZero() {
		// After `flexvpn down` the profile is idle, even if it had
		// failed; the error stays in LastError.
		st.State, st.Since = client.StateIdle.String(), r.downAt
	}
	if r.reply != nil {
		st.Addrs = slices.Clone(r.reply.Addrs)
		st.Banner = r.reply.Banner
		if k, ok := r.session.(client.KeyExchanging); ok {
			st.KeyExchange = k.KeyExchange()
		}
		if c, ok := r.session.(client.Counting); ok {
			n := c.Counters()
			st.PacketsIn, st.BytesIn, st.PacketsOut, st.BytesOut = n.PacketsIn, n.BytesIn, n.PacketsOut, n.BytesOut
		}
	}
	for i := len(events) - 1; i >= 0; i-- {
		if st.Gateway == "" && events[i].Gateway != "" {
			st.Gateway = events[i].Gateway
		}
		// A cancelled attempt is the user's "down", not a failure.
		if st.LastError == "" && events[i].Err != "" && events[i].Err != context.Canceled.Error() {
			st.LastError = events[i].Err
		}
	}
	if r.err != nil && r.refused == nil {
		st.LastError = r.err.Error()
	}
	if trace {
		st.Trace = ctlEvents(events)
	}
	return st
}

// since is when the trailing run of events in state s began.
func since(events []client.TraceEvent, s client.State, fallback time.Time) time.Time {
	t := fallback
	for i := len(events) - 1; i >= 0 && events[i].State == s; i-- {
		t = events[i].Time
	}
	return t
}

func ctlEvents(events []client.TraceEvent) []ctl.Event {
	out := make([]ctl.Event, len(events))
	for i, e := range events {
		out[i] = ctl.Event{Time: e.Time, State: e.State.String(), Gateway: e.Gateway, Message: e.Message, Err: e.Err}
	}
	return out
}
