package track

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"flexvpn/client/profile"
)

var errProbe = errors.New("probe failed")

// script is a fake probe: call i returns results[i] (the last one
// repeats) and records when it ran on the bubble's fake clock.
type script struct {
	mu      sync.Mutex
	results []error
	delay   time.Duration // each probe takes this long
	calls   []time.Time
}

func (s *script) Probe(ctx context.Context) error {
	s.mu.Lock()
	i := min(len(s.calls), len(s.results)-1)
	s.calls = append(s.calls, time.Now())
	s.mu.Unlock()
	time.Sleep(s.delay)
	return s.results[i]
}

func (s *script) callTimes() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

func results(pattern string) []error {
	out := make([]error, len(pattern))
	for i, c := range pattern {
		if c == 'x' {
			out[i] = errProbe
		}
	}
	return out
}

// fakeTracker builds a tracker whose objects run the given scripts. Each
// object probes every 10 s with threshold 3.
func fakeTracker(t *testing.T, scripts map[string]*script, names ...string) *Tracker {
	t.Helper()
	var obs []profile.TrackOb
	for _, n := range names {
		obs = append(obs, profile.TrackOb{Name: n, Probe: "tcp", Target: "192.0.2.1:443", Interval: dur(10 * time.Second), Threshold: 3})
	}
	tr, err := New(Config{Objects: obs, NewProber: func(o Object) (Prober, error) { return scripts[o.Name], nil }})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestTrackerHysteresisOverTime runs the probe loop on a fake clock: each
// step lands halfway between two probes, so the state is what the probe
// at the start of the step left.
func TestTrackerHysteresisOverTime(t *testing.T) {
	tests := []struct {
		name    string
		pattern string // probe results, '.' ok, 'x' failed
		want    string // state after each probe: U up, D down
	}{
		{"flaky but up", ".x.x.xx.", "UUUUUUUU"},
		{"goes down after three", ".xxx.", "UUUDU"},
		{"starts down, one success is enough", "xx.", "DDU"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := &script{results: results(tc.pattern)}
				start := time.Now()
				tr := fakeTracker(t, map[string]*script{"a": s}, "a")
				defer tr.Close()
				time.Sleep(5 * time.Second)
				for i, w := range tc.want {
					synctest.Wait()
					up, known := tr.State("a")
					if !known || up != (w == 'U') {
						t.Fatalf("after probe %d: up=%v known=%v, want %c", i, up, known, w)
					}
					time.Sleep(10 * time.Second)
				}
				for i, at := range s.callTimes()[:len(tc.want)] {
					if got := at.Sub(start); got != time.Duration(i)*10*time.Second {
						t.Errorf("probe %d ran at %v, want every 10s from 0", i, got)
					}
				}
			})
		})
	}
}

func TestTrackerUnknownBeforeFirstResult(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		tr, err := New(Config{
			Objects: []profile.TrackOb{{Name: "a", Probe: "icmp", Target: "192.0.2.1"}},
			NewProber: func(Object) (Prober, error) {
				return ProbeFunc(func(ctx context.Context) error { <-release; return nil }), nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close()
		synctest.Wait()
		if up, known := tr.State("a"); up || known {
			t.Fatalf("before any result: up=%v known=%v", up, known)
		}
		if tr.Want("a up") || tr.Want("a down") || tr.Eligible("a") {
			t.Fatal("an unknown object met a condition")
		}
		close(release)
		synctest.Wait()
		if up, known := tr.State("a"); !up || !known {
			t.Fatalf("after a success: up=%v known=%v", up, known)
		}
	})
}

// TestTrackerProbeTimeout checks that a probe that never answers is cut
// off at three quarters of the interval and counts as a failure.
func TestTrackerProbeTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		tr, err := New(Config{
			Objects: []profile.TrackOb{{Name: "a", Probe: "icmp", Target: "192.0.2.1", Interval: dur(4 * time.Second)}},
			NewProber: func(Object) (Prober, error) {
				return ProbeFunc(func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }), nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close()
		time.Sleep(3500 * time.Millisecond)
		synctest.Wait()
		st, _ := tr.Status("a")
		if st.State != Down || st.Checked.Sub(start) != 3*time.Second || st.LastErr != context.DeadlineExceeded.Error() {
			t.Fatalf("status %+v: want down, checked 3s after start by a deadline", st)
		}
		// The next probe starts one interval after the first started,
		// not after it ended.
		time.Sleep(4 * time.Second)
		synctest.Wait()
		st, _ = tr.Status("a")
		if st.Checked.Sub(start) != 7*time.Second || st.Failures != 2 {
			t.Fatalf("status %+v: want the second failure checked 7s after start", st)
		}
	})
}

func TestTrackerSubscriptionOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		scripts := map[string]*script{
			"a": {results: results(".xxx.")},                  // up 0s, down 30s, up 40s
			"b": {results: results("x."), delay: time.Second}, // down 1s, up 11s
		}
		tr := fakeTracker(t, scripts, "a", "b")
		defer tr.Close()
		got := make([][]string, 2)
		var wg sync.WaitGroup
		for i := range got {
			s := tr.Subscribe()
			wg.Go(func() {
				for ch := range s.C() {
					got[i] = append(got[i], fmt.Sprintf("%s %v→%v", ch.Object, ch.From, ch.State))
				}
			})
		}
		time.Sleep(45 * time.Second)
		synctest.Wait()
		tr.Close()
		wg.Wait()
		want := []string{"a unknown→unknown", "b unknown→unknown", "a unknown→up", "b unknown→down", "b down→up", "a up→down", "a down→up"}
		for i := range got {
			if !slices.Equal(got[i], want) {
				t.Errorf("subscriber %d got\n%q\nwant\n%q", i, got[i], want)
			}
		}
	})
}

// TestSubscriptionSlowReader checks that a reader that never reads holds
// up neither the probes nor another reader, and loses only the oldest.
func TestSubscriptionSlowReader(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &script{}
		for range maxQueue + 10 {
			s.results = append(s.results, nil, errProbe)
		}
		tr, err := New(Config{
			Objects:   []profile.TrackOb{{Name: "a", Probe: "icmp", Target: "192.0.2.1", Interval: dur(time.Second), Threshold: 1}},
			NewProber: func(Object) (Prober, error) { return s, nil },
		})
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close()
		slow := tr.Subscribe()
		fast := tr.Subscribe()
		n := 0
		done := make(chan struct{})
		go func() {
			defer close(done)
			for range fast.C() {
				n++
			}
		}()
		time.Sleep(time.Duration(2*(maxQueue+10)) * time.Second)
		synctest.Wait()
		if n := len(s.callTimes()); n < 2*(maxQueue+10) {
			t.Fatalf("only %d probes ran: a slow reader held up the tracker", n)
		}
		total := 1 + 2*(maxQueue+10) // the snapshot, then every flip
		// The pump holds one change it could not hand over; the queue
		// keeps the newest maxQueue; the rest were dropped.
		if d := slow.Dropped(); d != total-1-maxQueue {
			t.Fatalf("the slow reader dropped %d changes, want %d", d, total-1-maxQueue)
		}
		var last Change
		for range maxQueue + 1 {
			last = <-slow.C()
		}
		if last.State != Down || last.From != Up {
			t.Fatalf("the slow reader's newest change is %+v, want the final up→down", last)
		}
		tr.Close()
		<-done
		if n != 1+2*(maxQueue+10) {
			t.Fatalf("the fast reader got %d changes, want %d", n, 1+2*(maxQueue+10))
		}
	})
}

func TestFollow(t *testing.T) {
	tests := []struct {
		cond    string
		pattern string
		want    []bool
	}{
		{"a up", "x.xxx.", []bool{true, false, true}},
		{"a down", "x.xxx.", []bool{true, false, true, false}},
		{"a up", "...", []bool{true}},
		{"a down", "...", nil},
	}
	for _, tc := range tests {
		t.Run(tc.cond+" "+tc.pattern, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				tr := fakeTracker(t, map[string]*script{"a": {results: results(tc.pattern)}}, "a")
				defer tr.Close()
				cond, err := ParseCondition(tc.cond)
				if err != nil {
					t.Fatal(err)
				}
				var got []bool
				ctx, cancel := context.WithCancel(t.Context())
				done := make(chan error)
				go func() { done <- tr.Follow(ctx, cond, func(w bool) { got = append(got, w) }) }()
				time.Sleep(time.Duration(len(tc.pattern))*10*time.Second - 5*time.Second)
				synctest.Wait()
				cancel()
				if err := <-done; !errors.Is(err, context.Canceled) {
					t.Fatalf("Follow returned %v", err)
				}
				if !slices.Equal(got, tc.want) {
					t.Fatalf("fn calls %v, want %v", got, tc.want)
				}
			})
		})
	}
}

func TestFollowEndsWithTracker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := fakeTracker(t, map[string]*script{"a": {results: results(".")}}, "a")
		if err := tr.Follow(t.Context(), Condition{"nope", Up}, func(bool) {}); !errors.Is(err, ErrUnknownObject) {
			t.Fatalf("Follow of an unknown object: %v", err)
		}
		done := make(chan error)
		go func() { done <- tr.Follow(t.Context(), Condition{"a", Up}, func(bool) {}) }()
		synctest.Wait()
		tr.Close()
		if err := <-done; err != nil {
			t.Fatalf("Follow after Close: %v", err)
		}
	})
}

func TestEligibleAndWant(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := fakeTracker(t, map[string]*script{"up": {results: results(".")}, "down": {results: results("x")}}, "up", "down")
		defer tr.Close()
		synctest.Wait()
		cases := []struct {
			track string
			want  bool
		}{
			{"", true}, {"up", true}, {"up up", true}, {"up down", false},
			{"down", false}, {"down down", true}, {"missing", false}, {"up sideways", false},
		}
		for _, tc := range cases {
			if got := tr.Eligible(tc.track); got != tc.want {
				t.Errorf("Eligible(%q) = %v, want %v", tc.track, got, tc.want)
			}
		}
		if tr.Want("") {
			t.Error(`Want("") is met`)
		}
		trackUp := &profile.Profile{Connect: profile.ConnectTrack, Track: "up up"}
		trackDown := &profile.Profile{Connect: profile.ConnectTrack, Track: "up down"}
		auto := &profile.Profile{Connect: profile.ConnectAuto, Track: "up up"}
		if !tr.TunnelWanted(trackUp) || tr.TunnelWanted(trackDown) || tr.TunnelWanted(auto) {
			t.Error("TunnelWanted does not follow the profile's track condition")
		}
	})
}

func TestTrackerStatuses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := fakeTracker(t, map[string]*script{"b": {results: results(".")}, "a": {results: results("x")}}, "b", "a")
		defer tr.Close()
		synctest.Wait()
		sts := tr.Statuses()
		if len(sts) != 2 || sts[0].Object != "b" || sts[0].State != Up || sts[1].Object != "a" || sts[1].State != Down {
			t.Fatalf("statuses %+v, want b up then a down", sts)
		}
		if sts[1].LastErr != errProbe.Error() || sts[1].Failures != 1 {
			t.Fatalf("a's status %+v lacks the failure", sts[1])
		}
		if !slices.Equal(tr.Names(), []string{"b", "a"}) {
			t.Fatalf("names %v", tr.Names())
		}
		if _, ok := tr.Status("c"); ok {
			t.Fatal("status of an undefined object")
		}
	})
}

// TestNoObjects: a profile without objects gets a tracker too, so the
// caller needs no special case; peers without an object stay eligible.
func TestNoObjects(t *testing.T) {
	tr, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if !tr.Eligible("") || tr.Eligible("x") || len(tr.Statuses()) != 0 {
		t.Fatal("an empty tracker answers wrongly")
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestNewRejects(t *testing.T) {
	if _, err := New(Config{Objects: []profile.TrackOb{{Name: "a", Probe: "tcp", Target: "x"}}}); !errors.Is(err, ErrInvalidObject) {
		t.Fatalf("invalid object: %v", err)
	}
	boom := errors.New("boom")
	_, err := New(Config{
		Objects:   []profile.TrackOb{{Name: "a", Probe: "tcp", Target: "192.0.2.1:1"}},
		NewProber: func(Object) (Prober, error) { return nil, boom },
	})
	if !errors.Is(err, boom) {
		t.Fatalf("prober error: %v", err)
	}
}

// TestCloseStopsEverything runs real goroutines (no bubble) and checks
// the goroutine count comes back to where it was.
func TestCloseStopsEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	blocking := ProbeFunc(func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
	fast := ProbeFunc(func(ctx context.Context) error { return nil })
	tr, err := New(Config{
		Objects: []profile.TrackOb{
			{Name: "a", Probe: "icmp", Target: "192.0.2.1", Interval: dur(MinInterval)},
			{Name: "b", Probe: "icmp", Target: "192.0.2.1", Interval: dur(MinInterval)},
		},
		NewProber: func(o Object) (Prober, error) {
			if o.Name == "a" {
				return blocking, nil
			}
			return fast, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = tr.Subscribe() // never read, never closed by the caller
	follow := make(chan error)
	go func() { follow <- tr.Follow(context.Background(), Condition{"b", Up}, func(bool) {}) }()
	waitState(t, tr, "b", Up)
	tr.Close()
	tr.Close()
	<-follow
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after Close, %d before", runtime.NumGoroutine(), before)
		}
		time.Sleep(10 * time.Millisecond)
	}
	late := tr.Subscribe()
	if _, ok := <-late.C(); ok {
		t.Fatal("a subscription after Close delivered a change")
	}
	late.Close()
}
