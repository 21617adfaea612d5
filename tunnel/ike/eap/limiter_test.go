package eap

import (
	"errors"
	"fmt"
	"net/netip"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// step is one event in a limiter scenario: advance the clock, then do op.
type step struct {
	after time.Duration
	op    string // "fail", "ok" or "allow"
	id    string
	src   string
	// for "allow": 0 means allowed, else the expected RetryAfter
	wantWait time.Duration
}

func TestLimiter(t *testing.T) {
	const a, b = "192.0.2.1", "192.0.2.2"
	fails := func(n int, id, src string) []step {
		out := make([]step, n)
		for i := range out {
			out[i] = step{op: "fail", id: id, src: src}
		}
		return out
	}
	cat := func(parts ...[]step) []step {
		var out []step
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"four failures are free", cat(fails(4, "alice", a),
			[]step{{op: "allow", id: "alice", src: a}})},
		{"fifth failure locks the identity for 1s", cat(fails(5, "alice", a), []step{
			{op: "allow", id: "alice", src: b, wantWait: time.Second},
			{op: "allow", id: "bob", src: a},
			{after: time.Second, op: "allow", id: "alice", src: a},
		})},
		{"identity match ignores case", cat(fails(5, "Alice", a),
			[]step{{op: "allow", id: "ALICE", src: a, wantWait: time.Second}})},
		{"each further failure doubles", cat(fails(5, "alice", a), []step{
			{after: time.Second, op: "fail", id: "alice", src: a},
			{op: "allow", id: "alice", src: a, wantWait: 2 * time.Second},
			{after: 2 * time.Second, op: "fail", id: "alice", src: a},
			{op: "allow", id: "alice", src: a, wantWait: 4 * time.Second},
		})},
		{"delay caps at five minutes", cat(fails(20, "alice", a),
			[]step{{op: "allow", id: "alice", src: b, wantWait: 5 * time.Minute}})},
		{"quiet window forgets failures", cat(fails(4, "alice", a), []step{
			{after: 16 * time.Minute, op: "fail", id: "alice", src: a},
			{op: "allow", id: "alice", src: a},
		})},
		{"success clears the identity", cat(fails(4, "alice", a), []step{
			{op: "ok", id: "alice", src: a},
			{op: "fail", id: "alice", src: a},
			{op: "allow", id: "alice", src: a},
		})},
		{"success does not clear the source", cat(fails(19, "", a), []step{
			{op: "ok", id: "alice", src: a},
			{op: "fail", id: "mallory", src: a},
			{op: "allow", id: "carol", src: a, wantWait: time.Second},
		})},
		{"twenty failures lock the source for every identity", cat(
			func() []step {
				var s []step
				for i := range 20 {
					s = append(s, step{op: "fail", id: fmt.Sprintf("user%d", i), src: a})
				}
				return s
			}(), []step{
				{op: "allow", id: "newuser", src: a, wantWait: time.Second},
				{op: "allow", id: "newuser", src: b},
			})},
		{"IPv6 sources share a /64", cat(fails(20, "", "2001:db8::1"), []step{
			{op: "allow", src: "2001:db8::ffff", wantWait: time.Second},
			{op: "allow", src: "2001:db8:0:1::1"},
		})},
		{"v4-mapped source is the v4 source", cat(fails(20, "", "::ffff:192.0.2.1"),
			[]step{{op: "allow", src: a, wantWait: time.Second}})},
		{"lock counts down", cat(fails(5, "alice", a),
			[]step{{after: 400 * time.Millisecond, op: "allow", id: "alice", src: a, wantWait: 600 * time.Millisecond}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			l := NewLimiter(LimiterConfig{Now: clk.now})
			for i, s := range tt.steps {
				clk.t = clk.t.Add(s.after)
				var src netip.Addr
				if s.src != "" {
					src = netip.MustParseAddr(s.src)
				}
				switch s.op {
				case "fail":
					l.Failed(s.id, src)
				case "ok":
					l.Succeeded(s.id, src)
				case "allow":
					checkAllow(t, i, l.Allow(s.id, src), s.wantWait)
				}
			}
		})
	}
}

func checkAllow(t *testing.T, i int, err error, want time.Duration) {
	t.Helper()
	if want == 0 {
		if err != nil {
			t.Fatalf("step %d: refused (%v), want allowed", i, err)
		}
		return
	}
	var lo *LockedOutError
	if !errors.As(err, &lo) || !errors.Is(err, ErrTooManyAttempts) {
		t.Fatalf("step %d: got %v, want a lockout of %v", i, err, want)
	}
	if lo.RetryAfter != want {
		t.Fatalf("step %d: retry after %v, want %v", i, lo.RetryAfter, want)
	}
}

func TestLimiterBounded(t *testing.T) {
	clk := &fakeClock{t: time.Unix(0, 0)}
	l := NewLimiter(LimiterConfig{MaxEntries: 8, Now: clk.now})
	for i := range 100 {
		clk.t = clk.t.Add(time.Second)
		l.Failed("", netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}))
		if l.Len() > 8 {
			t.Fatalf("after %d sources the table holds %d entries", i+1, l.Len())
		}
	}
	// The newest source must still be tracked: eviction drops the oldest.
	for range 19 {
		l.Failed("", netip.AddrFrom4([4]byte{192, 0, 2, 99}))
	}
	if err := l.Allow("", netip.AddrFrom4([4]byte{192, 0, 2, 99})); err == nil {
		t.Fatal("newest source lost its count")
	}
}

func TestLimiterNoKeys(t *testing.T) {
	l := NewLimiter(LimiterConfig{})
	for range 50 {
		l.Failed("", netip.Addr{})
	}
	if err := l.Allow("", netip.Addr{}); err != nil || l.Len() != 0 {
		t.Fatalf("no identity and no address must track nothing: %v, %d", err, l.Len())
	}
}
